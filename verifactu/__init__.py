"""VERI*FACTU: the legal record of every issued, corrected and voided invoice (RD 1007/2023,
Orden HAC/1177/2024), its chain, its XML, its QR and its sending to the AEAT."""
