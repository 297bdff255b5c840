#!/usr/bin/env python3
"""Helper of bench/rotation.sh: sets up N secrets with a rotation schedule, and waits for their rotation.

  rotation_bench.py setup --count N --function-arn ARN --schedule EXPR [--threads 8]
      creates bench/rot/000000… (a JSON value with a password), then RotateSecret with the function, the
      schedule and RotateImmediately=false, in parallel; prints one JSON line.
  rotation_bench.py poll --count N --since EPOCH [--interval 2] [--timeout 3600]
      pages through ListSecrets until every bench secret has a LastRotatedDate at or after EPOCH; prints one
      JSON line with the first and last LastRotatedDate, then checks a sample's AWSCURRENT changed.
Environment: SM_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION (the shared harness's common.py).
"""
import argparse
import concurrent.futures
import json
import os
import sys
import time

sys.path.insert(0, os.environ.get("SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "shared", "bench")))
from common import client  # noqa: E402

PREFIX = "bench/rot/"
INITIAL = '{"username":"bench","password":"initial-value"}'


def name(i):
    return "%s%06d" % (PREFIX, i)


def setup(a):
    sm = client(max_pool=a.threads * 2)

    def one(i):
        for attempt in range(5):
            try:
                sm.create_secret(Name=name(i), SecretString=INITIAL)
                break
            except sm.exceptions.ResourceExistsException:
                break
            except Exception:  # a transient refusal under load: try again
                if attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))
        for attempt in range(5):
            try:
                sm.rotate_secret(SecretId=name(i), RotationLambdaARN=a.function_arn,
                                 RotationRules={"ScheduleExpression": a.schedule}, RotateImmediately=False)
                return
            except Exception:
                if attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))

    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(a.threads) as pool:
        list(pool.map(one, range(a.count)))
    wall = time.time() - started
    first = sm.describe_secret(SecretId=name(0))
    print(json.dumps({"event": "setup", "secrets": a.count, "wall_s": round(wall, 1),
                      "calls_per_s": round(2 * a.count / wall, 1),
                      "next_rotation": first.get("NextRotationDate").isoformat()
                      if first.get("NextRotationDate") else None}), flush=True)


def rotated_dates(sm):
    """LastRotatedDate (epoch seconds or None) of every bench secret, by name."""
    dates = {}
    kwargs = {"MaxResults": 100, "Filters": [{"Key": "name", "Values": [PREFIX]}]}
    while True:
        page = sm.list_secrets(**kwargs)
        for s in page["SecretList"]:
            when = s.get("LastRotatedDate")
            dates[s["Name"]] = when.timestamp() if when else None
        token = page.get("NextToken")
        if not token:
            return dates
        kwargs["NextToken"] = token


def poll(a):
    sm = client()
    deadline = time.time() + a.timeout
    polls = 0
    while True:
        polls += 1
        dates = rotated_dates(sm)
        done = [d for d in dates.values() if d is not None and d >= a.since]
        if len(done) >= a.count or time.time() > deadline:
            break
        time.sleep(a.interval)
    sample = [name(i) for i in range(0, a.count, max(1, a.count // 20))]
    unchanged = [n for n in sample if sm.get_secret_value(SecretId=n)["SecretString"] == INITIAL]
    print(json.dumps({"event": "rotated", "rotated": len(done), "secrets": len(dates), "polls": polls,
                      "first_rotated_at": min(done) if done else None,
                      "last_rotated_at": max(done) if done else None,
                      "sample_checked": len(sample), "sample_unchanged": len(unchanged),
                      "observed_at": time.time()}), flush=True)
    return 0 if len(done) >= a.count and not unchanged else 1


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="command", required=True)
    s = sub.add_parser("setup")
    s.add_argument("--count", type=int, required=True)
    s.add_argument("--function-arn", required=True)
    s.add_argument("--schedule", required=True)
    s.add_argument("--threads", type=int, default=8)
    p = sub.add_parser("poll")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--since", type=float, required=True)
    p.add_argument("--interval", type=float, default=2.0)
    p.add_argument("--timeout", type=float, default=3600)
    a = ap.parse_args()
    if a.command == "setup":
        setup(a)
        return 0
    return poll(a)


if __name__ == "__main__":
    sys.exit(main())
