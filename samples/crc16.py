"""CRC-16/MODBUS checksums of many short messages: bit-by-bit shifts and XORs on a uint16
register, one message per row (communications, data integrity). A serial dependence on
the register inside each message; NumPy has no vector form, so it is a Python loop."""
import numpy as np

DOMAIN = "communications / checksums"
LIMIT = "compute: 8 dependent shift/xor steps per byte (serial within a message)"


def crc16(messages):
    out = np.zeros(messages.shape[0], np.uint16)
    for m in range(messages.shape[0]):
        crc = np.uint16(0xFFFF)
        for b in messages[m]:
            crc ^= b
            for _ in range(8):
                if crc & 1:
                    crc = (crc >> 1) ^ np.uint16(0xA001)
                else:
                    crc >>= 1
        out[m] = crc
    return out


def inputs(scale=1.0):
    count = max(2, int(1000 * scale))
    rng = np.random.default_rng(41)
    return (rng.integers(0, 256, (count, 64), dtype=np.uint8),)
