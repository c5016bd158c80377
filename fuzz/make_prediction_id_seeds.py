#!/usr/bin/env python3
"""Writes the fuzz seeds and regression inputs that hold prediction ids (format version 2).

An independent encoder of the format in include/modelops/gateway/feedback/prediction_id.h, signing with the
fuzz targets' keys (fuzz/targets.cpp: current = 32 'f' bytes, previous = 32 'p' bytes) at kFuzzNowMs. Each
malformed input keeps a valid signature, so it reaches the payload reader and tests the defect it names.
Run after changing the id format:  /usr/bin/python3 fuzz/make_prediction_id_seeds.py   (writes under fuzz/)
"""
import base64
import hashlib
import hmac
import os
import struct

FORMAT_VERSION = 2
NOW_MS = 1_780_000_000_000  # kFuzzNowMs
CURRENT = b"f" * 32
PREVIOUS = b"p" * 32
UNKNOWN = b"u" * 32  # a key neither target knows: the id is forged
FLAG_REGRESSION = 1
MAX_FIELD_BYTES = 128


def key_id(secret):
    return hashlib.sha256(b"modelops-prediction-id-key" + secret).digest()[:4]


def varint(value):
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def string(text):
    data = text.encode()[:MAX_FIELD_BYTES]
    return varint(len(data)) + data


def header(secret, nonce, flags=0):
    return bytes([FORMAT_VERSION]) + key_id(secret) + bytes([flags]) + struct.pack(">Q", nonce)


def payload(secret, nonce, fields, issued_ms, row=0, flags=0):
    body = varint(issued_ms) + varint(row) + b"".join(string(f) for f in fields)
    return header(secret, nonce, flags) + body


def sign(secret, data):
    tag = hmac.new(secret, data, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(data + tag).rstrip(b"=").decode()


def feedback(content_type_byte, predictionId, label):
    return f'{content_type_byte}{{"predictionId":"{predictionId}","label":{label}}}'


def seeds():
    fields = ["ns", "model", "v1", "abc", "eu", "7"]
    singles = ["a", "b", "c", "d", "e", "f"]
    yield "corpus/prediction_id/current-key", sign(CURRENT, payload(CURRENT, 0x1122334455667788, fields, NOW_MS - 1000))
    yield "corpus/prediction_id/previous-key-batch-row", sign(PREVIOUS, payload(
        PREVIOUS, 0x0F1E2D3C4B5A6978, ["shop", "digits", "v2", "7f9c2ab1", "", "8"], NOW_MS - 5000, row=17))
    yield "corpus/prediction_id/regression", sign(CURRENT, payload(
        CURRENT, 0xFFFFFFFFFFFFFFFF, ["ns", "price", "v3", "r", "", "12.5"], NOW_MS - 1, flags=FLAG_REGRESSION))
    # Signed, but the payload is damaged in one way each.
    yield "regressions/prediction_id/field-length-past-end", sign(
        CURRENT, header(CURRENT, 1) + varint(NOW_MS) + varint(0) + b"\x7f")
    yield "regressions/prediction_id/overlong-varint", sign(CURRENT, header(CURRENT, 2) + b"\xff" * 11)
    yield "regressions/prediction_id/padding", sign(CURRENT, payload(CURRENT, 3, singles, NOW_MS)) + "=="
    yield "regressions/prediction_id/trailing-payload-byte", sign(
        CURRENT, payload(CURRENT, 4, ["n", "m", "v", "r", "s", "c"], NOW_MS) + b"\x00")
    yield "regressions/prediction_id/unknown-flag-bit", sign(CURRENT, payload(CURRENT, 5, fields, NOW_MS, flags=2))
    yield "regressions/prediction_id/short-nonce", sign(CURRENT, header(CURRENT, 6)[:-3])
    yield "regressions/prediction_id/version-1", sign(
        CURRENT, bytes([1]) + key_id(CURRENT) + b"\x00" + payload(CURRENT, 7, fields, NOW_MS)[14:])

    yield "corpus/feedback_body/forged", feedback(2, sign(UNKNOWN, payload(UNKNOWN, 8, fields, NOW_MS)), 1)
    yield "corpus/feedback_body/previous-key", feedback(0, sign(PREVIOUS, payload(
        PREVIOUS, 9, ["ns", "model", "v1", "abc", "", "cat"], NOW_MS - 10)), '"cat"')
    yield "corpus/feedback_body/regression", feedback(0, sign(CURRENT, payload(
        CURRENT, 10, ["ns", "price", "v1", "abc", "", "10"], NOW_MS - 10, flags=FLAG_REGRESSION)), '"12.5"')
    short = ["ns", "m", "v", "r", "", "1"]
    yield "regressions/feedback_body/expired", feedback(0, sign(CURRENT, payload(
        CURRENT, 11, short, NOW_MS - 8 * 24 * 3600 * 1000)), 1)
    yield "regressions/feedback_body/future", feedback(0, sign(CURRENT, payload(
        CURRENT, 12, short, NOW_MS + 3600 * 1000)), 1)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    for path, text in seeds():
        with open(os.path.join(here, path), "w", encoding="ascii", newline="") as out:
            out.write(text)
        print(path)


if __name__ == "__main__":
    main()
