#!/usr/bin/env python
"""Benchmark of the VERI*FACTU record format (verifactu/xml.py): build + huella of a
RegistroAlta with 10 DetalleDesglose (what runs inside the invoice-create transaction),
and recompute_hash of the stored XML (what a chain verification does per record).

    python bench/bench_record.py [--seconds 3] [--details 10]
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from verifactu.data import Alta, InvoiceId, Party, PreviousRecord, Software, TaxDetail  # noqa: E402
from verifactu.xml import build, recompute_hash  # noqa: E402

SOFTWARE = Software("FACTURAgem SL", "B00000000", "FACTURAgem", "FG", "1.0.0", "0001")
PREVIOUS = PreviousRecord(
    InvoiceId("89890001K", "2027-0000", datetime.date(2027, 1, 3)), "A" * 64
)
RATES = (("21", "5.2"), ("10", "1.4"), ("4", "0.5"))


def alta(details: int) -> Alta:
    lines = []
    for n in range(details):
        base = Decimal(f"{100 + n}.{n:02d}")
        if n % 4 == 3:
            lines.append(TaxDetail(treatment="E1", base=base))
            continue
        rate, surcharge = (Decimal(v) for v in RATES[n % 3])
        lines.append(
            TaxDetail(
                treatment="S1",
                base=base,
                rate=rate,
                tax=(base * rate / 100).quantize(Decimal("0.01")),
                surcharge_rate=surcharge,
                surcharge=(base * surcharge / 100).quantize(Decimal("0.01")),
            )
        )
    taxes = sum(((d.tax or 0) + (d.surcharge or 0) for d in lines), Decimal(0))
    return Alta(
        invoice=InvoiceId("89890001K", "2027-0001", datetime.date(2027, 1, 4)),
        issuer_name="Kovacek Nienow SL",
        invoice_type="F1",
        description="Servicios de consultoría",
        details=tuple(lines),
        total_tax=taxes,
        total_amount=sum((d.base for d in lines), Decimal(0)) + taxes,
        recipients=(Party(name="Peñalver Muñoz SL", nif="B12345674"),),
        external_ref="inv_1",
    )


def measure(label: str, function, seconds: float) -> None:
    """Best of five rounds of CPU time (the machine may be shared: wall time would measure
    the neighbours), and the mean over all of them."""
    function()  # warm caches (the schema's country and regime lists)
    rounds = []
    for _ in range(5):
        count, start = 0, time.process_time()
        while (elapsed := time.process_time() - start) < seconds / 5:
            for _ in range(50):
                function()
            count += 50
        rounds.append(elapsed / count)
    best, mean = min(rounds), sum(rounds) / len(rounds)
    print(f"{label}: best {best * 1e6:.0f} µs, mean {mean * 1e6:.0f} µs (CPU time per call)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--details", type=int, default=10)
    args = parser.parse_args()
    content = alta(args.details)
    moment = datetime.datetime(2027, 1, 4, 9, 15, tzinfo=datetime.UTC)

    def build_once():
        return build(content, previous=PREVIOUS, software=SOFTWARE, generated_at=moment)

    xml = build_once().xml
    print(f"RegistroAlta with {args.details} details: {len(xml)} bytes")
    measure("build + huella", build_once, args.seconds)
    measure("recompute_hash", lambda: recompute_hash(xml), args.seconds)


if __name__ == "__main__":
    main()
