from briefkit.cli import run

run()
