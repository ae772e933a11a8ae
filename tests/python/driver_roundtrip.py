"""The 2021 Python driver (streammachine-driver 0.0.11) against the local server, unchanged
but for its configurable hosts: sends clickstream events as Avro binary and as Avro-JSON,
and receives them over the egress websocket of the stream (encrypted) and of an output
(GRANULAR [0, 1]: decrypted). Driven by tests/it/dataplane/python.rs, which passes the
server (or, in a cluster, the sender's node and the tails' node) and the credentials in the
environment. Exit status 0 and "driver round trip OK" on success.
"""

import asyncio
import base64
import json
import os
import sys

from clickstream.io.streammachine.public_schemas.clickstream import (
    ClickstreamEvent,
    Customer,
    StrmMeta,
)
from streammachine.driver import ClientConfig, SerializationType, StreamMachineClient

HOST = os.environ["STRM_HOST"]  # 127.0.0.1:PORT: where the sender sends
# Where the tails authenticate and receive: another node of a cluster, or the same server.
TAIL_HOST = os.environ.get("STRM_TAIL_HOST", HOST)
BILLING_ID = os.environ["STRM_BILLING_ID"]
STREAM = (os.environ["STRM_STREAM_CLIENT_ID"], os.environ["STRM_STREAM_CLIENT_SECRET"])
OUTPUT = (os.environ["STRM_OUTPUT_CLIENT_ID"], os.environ["STRM_OUTPUT_CLIENT_SECRET"])


def config(host=HOST):
    return ClientConfig(
        gateway_protocol="http",
        gateway_host=host,
        egress_protocol="http",
        egress_host=host,
        sts_protocol="http",
        sts_host=host,
    )


def event(session):
    e = ClickstreamEvent()
    e.abTests = ["ab1"]
    e.eventType = ""
    e.customer = Customer()
    e.customer.id = f"customer-{session}"
    e.referrer = ""
    e.userAgent = ""
    e.producerSessionId = session
    e.conversion = 0
    e.strmMeta = StrmMeta()
    e.strmMeta.schemaId = "clickstream"
    e.strmMeta.nonce = 0
    e.strmMeta.timestamp = 0
    e.strmMeta.keyLink = None
    e.strmMeta.billingId = None
    e.strmMeta.consentLevels = [0, 1]
    e.url = "https://www.streammachine.io/rules"
    return e


def is_ciphertext(text):
    raw = base64.b64decode(text, validate=True)
    return raw[0] == 1 and len(raw) >= 5 + 16


def fail(message):
    print(f"driver round trip FAILED: {message}", file=sys.stderr)
    sys.exit(1)


async def main():
    sender = StreamMachineClient(BILLING_ID, STREAM[0], STREAM[1], config())
    stream_tail = StreamMachineClient(BILLING_ID, STREAM[0], STREAM[1], config(TAIL_HOST))
    output_tail = StreamMachineClient(BILLING_ID, OUTPUT[0], OUTPUT[1], config(TAIL_HOST))
    for c in (sender, stream_tail, output_tail):
        await c.start_timers()

    received = {"stream": [], "output": []}

    def collector(name):
        async def consume(message):
            received[name].append(json.loads(message))

        return consume

    tasks = [
        asyncio.ensure_future(stream_tail.start_receiving_ws(True, collector("stream"))),
        asyncio.ensure_future(output_tail.start_receiving_ws(False, collector("output"))),
    ]
    await asyncio.sleep(1.0)  # let both websockets connect: egress is live only

    # The Rust side (tests/it/dataplane/python.rs, DRIVER_SESSIONS) knows these names.
    sessions = {"session-py-avro": SerializationType.AVRO_BINARY,
                "session-py-json": SerializationType.AVRO_JSON}
    for session, kind in sessions.items():
        status = await sender.send(event(session), kind)
        if status != 204:
            fail(f"sending {session} as {kind} answered {status}")

    for _ in range(100):
        if len(received["stream"]) >= 2 and len(received["output"]) >= 2:
            break
        await asyncio.sleep(0.1)
    else:
        fail(f"events did not arrive: {received}")

    for e in received["stream"]:
        if not (is_ciphertext(e["producerSessionId"]) and is_ciphertext(e["customer"]["id"])):
            fail(f"the stream's view is not encrypted: {e}")
        if e["strmMeta"]["billingId"] != BILLING_ID or not e["strmMeta"]["keyLink"]:
            fail(f"strmMeta not filled in: {e}")
    got = sorted(e["producerSessionId"] for e in received["output"])
    if got != sorted(sessions):
        fail(f"the output's view is not decrypted: {received['output']}")
    for e in received["output"]:
        if e["customer"]["id"] != f"customer-{e['producerSessionId']}" or e["abTests"] != ["ab1"]:
            fail(f"unexpected output event: {e}")

    for c in (stream_tail, output_tail):
        await c.close()
    for t in tasks:
        t.cancel()
    print("driver round trip OK")
    os._exit(0)  # the driver's timers and sessions have no clean shutdown


asyncio.run(main())
