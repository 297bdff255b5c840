#!/usr/bin/env python3
"""Runs an AWS-style Python rotation function as a Strongroom `command` rotation function.

Usage: lambda_shim.py FUNCTION_DIR [MODULE.HANDLER]

Strongroom writes the rotation event ({"Step", "SecretId", "ClientRequestToken", "RotationToken"}) to
stdin and puts the execution role's session credentials, AWS_ENDPOINT_URL and AWS_REGION in the
environment, so boto3 inside the function talks to Strongroom unchanged. The shim imports
`lambda_function.lambda_handler` (or MODULE.HANDLER) from FUNCTION_DIR and calls it with the event and a
Lambda-like context; an exception makes it exit non-zero, which fails the step.
"""

import importlib
import json
import sys
import time
import traceback
import uuid


class Context:
    """The parts of Lambda's context object that rotation functions use."""

    def __init__(self, function_name, timeout_seconds=60):
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = "arn:aws:lambda:local:000000000000:function:" + function_name
        self.memory_limit_in_mb = "128"
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = "/aws/lambda/" + function_name
        self.log_stream_name = self.aws_request_id
        self._deadline = time.time() + timeout_seconds

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.time()) * 1000))


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    function_dir = argv[1]
    module_name, _, handler_name = (argv[2] if len(argv) > 2 else "lambda_function.lambda_handler").rpartition(".")
    sys.path.insert(0, function_dir)
    event = json.load(sys.stdin)
    module = importlib.import_module(module_name)
    handler = getattr(module, handler_name)
    try:
        handler(event, Context(module_name))
    except Exception:  # noqa: BLE001 - any failure of the function fails the step
        traceback.print_exc(file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
