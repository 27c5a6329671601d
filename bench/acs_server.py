"""`python -m bench.acs_server`: the local ACS Email stub in its own process.

Out of process so its HTTP handling does not share the bench's GIL (ACS is remote in
production). Prints {"endpoint", "key"} as one JSON line, answers "delivered" with the
number of emails it accepted, and stops when stdin closes.
"""

from __future__ import annotations

import json
import sys

from tools.acs_stub import AcsStub


def main() -> None:
    stub = AcsStub(record_requests=False).start()
    print(json.dumps({"endpoint": stub.endpoint, "key": stub.access_key}), flush=True)
    for line in sys.stdin:
        if line.strip() == "delivered":
            print(len(stub.delivered), flush=True)
    stub.stop()


if __name__ == "__main__":
    main()
