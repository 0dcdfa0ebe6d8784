import gc

# The cycle collector would walk the objects the imports make some 50 times over (2 ms of an edit build);
# they make no garbage worth collecting, and it is on again before any command runs.
gc.disable()
from briefkit.cli import run  # noqa: E402

gc.enable()
run()
