"""``python -m caikit.runtime.grpc_server``: serve gRPC only (HTTP off), until SIGINT/SIGTERM."""
import sys

from caikit.runtime.__main__ import main

if __name__ == "__main__":
    sys.exit(main(["--grpc-only"]))
