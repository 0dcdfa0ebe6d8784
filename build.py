import sys

from briefkit.cli import main

sys.exit(main(sys.argv[1:]))
