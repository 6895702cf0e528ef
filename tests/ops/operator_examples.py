"""One configured instance of each operator in pm.ops, shared by the operator tests."""

from promethium import ops
from promethium.testing import contract_data

#: One configured instance per operator class, and the data it applies to (None: the
#: contract's default data). A new operator exported by pm.ops fails
#: test_every_operator_has_an_example until it is listed here.
EXAMPLES = {
    "AGC": (lambda: ops.AGC("40 ms"), None),
    "Bandpass": (lambda: ops.Bandpass("5 Hz", 40), None),
    "Decimate": (lambda: ops.Decimate(3, offset=1), None),
    "Denormalize": (lambda: ops.Denormalize(), lambda: ops.Normalize()(contract_data())),
    "KillTraces": (lambda: ops.KillTraces(fraction=0.3, seed=2), None),
    "Mute": (lambda: ops.Mute("2500 m/s", t0="20 ms", taper="16 ms"), None),
    "Normalize": (lambda: ops.Normalize(scope="gather", method="max"), None),
    "Pipeline": (lambda: ops.Normalize() | ops.Taper(8) | ops.TimePowerGain(1.0), None),
    "Reconstruct": (lambda: ops.Reconstruct("linear"), None),
    "Resample": (lambda: ops.Resample("2 ms"), None),
    "Taper": (lambda: ops.Taper(4, axis="trace", shape="linear"), None),
    "TimePowerGain": (lambda: ops.TimePowerGain(2.0), None),
}
