"""How fast a recording is paused when card data is heard: from a live
transcript's acknowledgement to the pause request reaching Twilio, at 200
simultaneous calls, beside the acknowledgement latency in the same run.

    .venv/bin/python bench/capture.py [--calls 200] [--backlog 1500]

Starts the product as production runs it (bench/stack.py: gunicorn, the
Celery worker, the capture worker and beat from the Procfile, production
settings, a durable PostgreSQL and Redis, Twilio's REST API on loopback),
sets up ``--calls`` Vapi calls carried by Twilio whose recordings run, then
has every caller read a card number, in three rounds:

1. spread: each caller at a random moment of a ``--window``-second stretch,
   as 200 simultaneous calls read cards in practice;
2. spread, behind a redaction backlog: the same, just after ``--backlog``
   other utterances were delivered, so the inbox worker has thousands of
   deliveries to apply and segments to redact;
3. burst: every caller within the same second, the worst case.

For each call the pause latency is the time from the moment its transcript
delivery was acknowledged to the moment the pause request reached the
Twilio stand-in; the acknowledgement latency is the delivery's own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import secrets
import time
import uuid

from common import percentiles
from stack import Stack
from traffic import play_against

CARD_UTTERANCE = "Sure, my card number is 4111 1111 1111 1111."
FILLER = "I was wondering whether the fiber plan comes with the router or whether that costs extra."
PAUSE = re.compile(r"/Calls/(CA\w+)/Recordings/RE\w+\.json$")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="Simultaneous calls.")
    parser.add_argument("--backlog", type=int, default=1500, help="Utterances queued for redaction before round 2.")
    parser.add_argument("--window", type=float, default=60.0, help="Seconds over which a spread round's cards come.")
    args = parser.parse_args()
    with Stack(environment={"CAPTURE_QUIET_SECONDS": "5"}) as stack:
        run(stack, args)


def run(stack: Stack, args: argparse.Namespace) -> None:
    play = play_against(stack, pause=0)
    calls = [_call() for _ in range(args.calls)]
    asyncio.run(_gather(play, [_start(play, call) for call in calls]))
    _wait(lambda: stack.query("SELECT count(*) FROM calls_recording")[0][0] >= len(calls), 300, "recordings")
    stack.drain(300)
    print(f"{len(calls)} calls carried by Twilio, each with its recording running at the stand-in")

    print(f"\n{'round':<34}{'ack p50':>9}{'ack p99':>9}{'pause p50':>11}{'pause p99':>11}{'paused':>8}  backlog")
    rounds = (("spread", 0, args.window), ("spread, behind a redaction backlog", args.backlog, args.window),
              ("burst", 0, 1.0))  # fmt: skip
    for label, backlog, window in rounds:
        if backlog:
            asyncio.run(_gather(play, [_say(play, calls[index % len(calls)], FILLER) for index in range(backlog)]))
        pending = stack.query("SELECT count(*) FROM calls_transcriptsegment WHERE status = 'pending'")[0][0]
        queued = stack.query("SELECT count(*) FROM calls_inboundevent WHERE status = 'pending'")[0][0]
        already = len(stack.twilio_api.requests)
        said = [_say(play, call, CARD_UTTERANCE, after=random.uniform(0, window)) for call in calls]
        acknowledged = asyncio.run(_gather(play, said))
        deadline = time.monotonic() + 120
        while len(_pauses(stack, already)) < len(calls) and time.monotonic() < deadline:
            time.sleep(0.2)
        paused = _pauses(stack, already)
        latencies = [paused[sid] - done for sid, (done, _) in acknowledged.items() if sid in paused]
        acks = [ack for _, ack in acknowledged.values()]
        a50, _, a99 = percentiles(acks)
        p50, _, p99 = percentiles(latencies)
        print(
            f"{label:<34}{a50 * 1000:>7.1f}ms{a99 * 1000:>7.1f}ms{p50 * 1000:>9.1f}ms{p99 * 1000:>9.1f}ms"
            f"{len(latencies):>8}  {pending} segments awaiting redaction, {queued} deliveries not yet applied"
        )
        # The detections lapse after the quiet period; the recordings resume before the next round.
        _wait(lambda: _running(stack) >= len(calls), 120, "the recordings to resume")


def _call() -> dict:
    return {
        "id": str(uuid.uuid4()),
        "orgId": "5a1bde0e-7e1b-4bf0-9d2b-000000000001",
        "type": "inboundPhoneCall",
        "status": "in-progress",
        "phoneCallProvider": "twilio",
        "phoneCallProviderId": "CA" + secrets.token_hex(16),
        "customer": {"number": f"+1415555{secrets.randbelow(10_000):04d}"},
    }


def _message(call: dict, kind: str, **fields: object) -> dict:
    return {
        "type": kind,
        "timestamp": int(time.time() * 1000),
        "call": call,
        "phoneNumber": {"number": "+18005550199", "provider": "twilio"},
        "customer": call["customer"],
        **fields,
    }


async def _start(play, call: dict) -> None:  # noqa: ANN001
    await play.vapi("vapi status-update", _message(call, "status-update", status="in-progress"))
    consent = {
        "id": "call_" + secrets.token_hex(8),
        "type": "function",
        "function": {"name": "record_consent", "arguments": json.dumps({"decision": "granted"})},
    }
    await play.vapi("vapi tool-calls", _message(call, "tool-calls", toolCallList=[consent]))


async def _say(play, call: dict, words: str, after: float = 0.0) -> tuple[str, tuple[float, float]]:  # noqa: ANN001
    """Deliver one final transcript ``after`` seconds from now; returns the
    call's SID, when its acknowledgement was received (wall clock) and how
    long it took."""
    await asyncio.sleep(after)
    message = _message(call, "transcript", role="user", transcriptType="final", transcript=words)
    started = time.monotonic()
    status, _ = await play.vapi("vapi transcript", message)
    if status != 200:
        raise RuntimeError(f"transcript delivery refused: {status}")
    return call["phoneCallProviderId"], (time.time(), time.monotonic() - started)


async def _gather(play, coroutines: list) -> dict:  # noqa: ANN001
    return dict(result for result in await asyncio.gather(*coroutines) if result)


def _pauses(stack: Stack, after: int) -> dict[str, float]:
    """When the first pause request for each call reached the stand-in, among requests after index ``after``."""
    first: dict[str, float] = {}
    for request in stack.twilio_api.requests[after:]:
        match = PAUSE.search(request.path)
        if match and request.form.get("Status") == ["paused"]:
            first.setdefault(match.group(1), request.at)
    return first


def _running(stack: Stack) -> int:
    return sum(1 for status in stack.twilio_api.statuses.values() if status == "in-progress")


def _wait(predicate, timeout: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.2)


if __name__ == "__main__":
    main()
