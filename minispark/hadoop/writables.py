"""Hadoop Writables: how keys and values are stored in SequenceFiles, byte for byte.

Read this file to see what PySpark does to a Python pair on its way into a Hadoop
file. A *Writable* is Hadoop's serialisable value: a class name (stored once in
the file header) and a ``write`` that emits fixed, big-endian bytes. PySpark
converts each Python value to a Java object (with Pyrolite) and then to a
Writable (Spark's JavaToWritableConverter); reading does the reverse
(WritableToJavaConverter). minispark does both in Python with the same rules:

  Python value          Writable             bytes
  int (32-bit)          IntWritable          4, big-endian
  int (64-bit)          LongWritable         8, big-endian
  float                 DoubleWritable       8, IEEE 754
  (read only)           FloatWritable        4, IEEE 754
  bool                  BooleanWritable      1
  str                   Text                 vint length, UTF-8
  bytes, bytearray      BytesWritable        4-byte length, bytes
  None                  NullWritable         nothing
  dict                  MapWritable          class ids, then id + key, id + value

This is the subset the PySpark examples use, documented as such: other types
(a list, a tuple, an int beyond 64 bits, ArrayWritable) raise a ValueError
naming the type. A vint is Hadoop's variable-length integer
(WritableUtils.writeVLong): -112..127 in one byte, otherwise a length byte and
the big-endian magnitude.

Next: sequencefile.py, the file format that holds them.
"""

from __future__ import annotations

import io
import struct
from decimal import Decimal
from typing import Any, BinaryIO

__all__ = ["write_vint", "read_vint", "writable_class", "to_bytes", "from_stream",
           "java_string"]

IO = "org.apache.hadoop.io."
INT, LONG, FLOAT, DOUBLE = IO + "IntWritable", IO + "LongWritable", IO + "FloatWritable", \
    IO + "DoubleWritable"
BOOLEAN, TEXT, BYTES, NULL, MAP = IO + "BooleanWritable", IO + "Text", IO + "BytesWritable", \
    IO + "NullWritable", IO + "MapWritable"
SUPPORTED = (INT, LONG, FLOAT, DOUBLE, BOOLEAN, TEXT, BYTES, NULL, MAP)

# AbstractMapWritable's predefined class ids (one signed byte each).
_MAP_IDS = {IO + "ArrayWritable": -127, BOOLEAN: -126, BYTES: -125, FLOAT: -124, INT: -123,
            LONG: -122, MAP: -121, NULL: -119, TEXT: -116}
_MAP_CLASSES = {v: k for k, v in _MAP_IDS.items()}


def write_vint(out: BinaryIO, i: int) -> None:
    """Hadoop's WritableUtils.writeVLong.

    >>> import io; b = io.BytesIO(); [write_vint(b, n) for n in (5, 300, -300)] and b.getvalue()
    b'\\x05\\x8e\\x01,\\x86\\x01+'
    """
    if -112 <= i <= 127:
        out.write(struct.pack(">b", i))
        return
    length = -112
    if i < 0:
        i ^= -1
        length = -120
    tmp = i
    while tmp != 0:
        tmp >>= 8
        length -= 1
    out.write(struct.pack(">b", length))
    n = -(length + 120) if length < -120 else -(length + 112)
    out.write(i.to_bytes(n, "big"))


def read_vint(f: BinaryIO) -> int:
    """Hadoop's WritableUtils.readVLong (the inverse of write_vint).

    >>> import io; [read_vint(io.BytesIO(b)) for b in (b'\\x05', b'\\x8e\\x01,', b'\\x86\\x01+')]
    [5, 300, -300]
    """
    first = struct.unpack(">b", _read_exactly(f, 1))[0]
    if first >= -112:
        return first
    size = (-119 - first) if first < -120 else (-111 - first)
    value = int.from_bytes(_read_exactly(f, size - 1), "big")
    return value ^ -1 if first < -120 else value


def _read_exactly(f: BinaryIO, n: int) -> bytes:
    data = f.read(n)
    if len(data) != n:
        raise EOFError(f"expected {n} bytes, got {len(data)}")
    return data


def writable_class(x: Any) -> str:
    """The Writable class PySpark converts a Python value to.

    >>> writable_class(1), writable_class(2**40), writable_class("a"), writable_class({})
    ('org.apache.hadoop.io.IntWritable', 'org.apache.hadoop.io.LongWritable', \
'org.apache.hadoop.io.Text', 'org.apache.hadoop.io.MapWritable')
    """
    if x is None:
        return NULL
    if isinstance(x, bool):
        return BOOLEAN
    if isinstance(x, int):
        if -2**31 <= x < 2**31:
            return INT
        if -2**63 <= x < 2**63:
            return LONG
        raise ValueError(f"int {x} does not fit in a LongWritable")
    if isinstance(x, float):
        return DOUBLE
    if isinstance(x, str):
        return TEXT
    if isinstance(x, bytes | bytearray):
        return BYTES
    if isinstance(x, dict):
        return MAP
    raise ValueError(f"Data of type {type(x).__name__} cannot be written as a Hadoop "
                     "Writable by minispark (supported: int, float, bool, str, bytes, None, "
                     "dict)")


def to_bytes(x: Any, cls: str) -> bytes:
    """``x`` serialised as the Writable ``cls`` (see the table in the module docstring).

    >>> to_bytes(1, INT), to_bytes("é", TEXT), to_bytes(None, NULL)
    (b'\\x00\\x00\\x00\\x01', b'\\x02\\xc3\\xa9', b'')
    """
    out = io.BytesIO()
    _write(out, x, cls)
    return out.getvalue()


def _write(out: BinaryIO, x: Any, cls: str) -> None:
    if cls == INT:
        out.write(struct.pack(">i", x))
    elif cls == LONG:
        out.write(struct.pack(">q", x))
    elif cls == DOUBLE:
        out.write(struct.pack(">d", x))
    elif cls == FLOAT:
        out.write(struct.pack(">f", x))
    elif cls == BOOLEAN:
        out.write(b"\x01" if x else b"\x00")
    elif cls == TEXT:
        data = str(x).encode("utf-8")
        write_vint(out, len(data))
        out.write(data)
    elif cls == BYTES:
        out.write(struct.pack(">i", len(x)))
        out.write(bytes(x))
    elif cls == NULL:
        pass
    elif cls == MAP:
        # Classes without a predefined id (DoubleWritable) get ids 1, 2, ... in the
        # order the entries bring them, listed first with their names.
        ids = dict(_MAP_IDS)
        new: list[str] = []
        for item in (i for kv in x.items() for i in kv):
            item_cls = writable_class(item)
            if item_cls not in ids:
                new.append(item_cls)
                ids[item_cls] = len(new)
        out.write(struct.pack(">b", len(new)))
        for cid, name in enumerate(new, 1):
            out.write(struct.pack(">bH", cid, len(name)) + name.encode())
        out.write(struct.pack(">i", len(x)))
        for k, v in x.items():
            for item in (k, v):
                item_cls = writable_class(item)
                out.write(struct.pack(">b", ids[item_cls]))
                _write(out, item, item_cls)
    else:
        raise ValueError(f"Writable class {cls} is not supported by minispark "
                         f"(supported: {', '.join(c.rsplit('.', 1)[1] for c in SUPPORTED)})")


def from_stream(f: BinaryIO, cls: str) -> Any:
    """Read one Writable of class ``cls`` and convert it as PySpark does.

    >>> import io; from_stream(io.BytesIO(to_bytes({1.5: "x"}, MAP)), MAP)
    {1.5: 'x'}
    """
    if cls == INT:
        return struct.unpack(">i", _read_exactly(f, 4))[0]
    if cls == LONG:
        return struct.unpack(">q", _read_exactly(f, 8))[0]
    if cls == DOUBLE:
        return struct.unpack(">d", _read_exactly(f, 8))[0]
    if cls == FLOAT:
        return struct.unpack(">f", _read_exactly(f, 4))[0]
    if cls == BOOLEAN:
        return _read_exactly(f, 1) != b"\x00"
    if cls == TEXT:
        return _read_exactly(f, read_vint(f)).decode("utf-8")
    if cls == BYTES:
        return _read_exactly(f, struct.unpack(">i", _read_exactly(f, 4))[0])
    if cls == NULL:
        return None
    if cls == MAP:
        classes = dict(_MAP_CLASSES)
        for _ in range(struct.unpack(">b", _read_exactly(f, 1))[0]):
            cid = struct.unpack(">b", _read_exactly(f, 1))[0]
            name = _read_exactly(f, struct.unpack(">H", _read_exactly(f, 2))[0]).decode()
            classes[cid] = name
        result = {}
        for _ in range(struct.unpack(">i", _read_exactly(f, 4))[0]):
            key = from_stream(f, classes[struct.unpack(">b", _read_exactly(f, 1))[0]])
            result[key] = from_stream(f, classes[struct.unpack(">b", _read_exactly(f, 1))[0]])
        return result
    raise ValueError(f"Writable class {cls} is not supported by minispark "
                     f"(supported: {', '.join(c.rsplit('.', 1)[1] for c in SUPPORTED)})")


def java_string(x: Any) -> str:
    """What a Writable's toString() prints (TextOutputFormat writes this).

    >>> java_string(1), java_string(2.0), java_string(1e20), java_string(True)
    ('1', '2.0', '1.0E20', 'true')
    >>> java_string({1: "a"})
    '{1=a}'
    >>> java_string(-1.25e-7), java_string(12345678.9)
    ('-1.25E-7', '1.23456789E7')
    """
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, float):
        return _java_double(x)
    if isinstance(x, dict):
        return "{" + ", ".join(f"{java_string(k)}={java_string(v)}" for k, v in x.items()) + "}"
    if isinstance(x, bytes | bytearray):
        return " ".join(f"{b:02x}" for b in x)  # BytesWritable.toString: hex bytes
    return "" if x is None else str(x)


def _java_double(x: float) -> str:
    # Java's Double.toString: plain notation for 1e-3 <= |x| < 1e7, else d.dddE±n.
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0 or 1e-3 <= abs(x) < 1e7:
        text = repr(x)
        return text if "e" not in text else f"{x:f}"
    sign, digits, exponent = Decimal(repr(x)).as_tuple()
    text = "".join(map(str, digits)).rstrip("0") or "0"
    power = exponent + len(digits) - 1
    return f"{'-' if sign else ''}{text[0]}.{text[1:] or '0'}E{power}"
