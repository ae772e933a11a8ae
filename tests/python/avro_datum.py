"""Serializes events as the 2021 Python drivers sent them, with fastavro: a test peer
that is not strm-tui's code.

Usage: avro_datum.py SCHEMA_FILE binary|json < events.jsonl. For each event it prints one
base64 line: `binary` a bare Avro datum (schemaless: no container header, no magic byte),
`json` the event in the Avro-JSON encoding (a union's value wrapped as {"type": value}).
"""
import base64
import io
import json
import sys

import fastavro

schema = fastavro.parse_schema(json.load(open(sys.argv[1])))
mode = sys.argv[2]
for line in sys.stdin:
    if not line.strip():
        continue
    record = json.loads(line)
    if mode == "binary":
        out = io.BytesIO()
        fastavro.schemaless_writer(out, schema, record)
        data = out.getvalue()
    else:
        out = io.StringIO()
        fastavro.json_writer(out, schema, [record])
        data = out.getvalue().strip().encode()
    print(base64.b64encode(data).decode())
