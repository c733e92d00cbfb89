"""Records written by hand for the protocol tests (the record builder is verifactu/xml.py's
job): schema-valid RegistroAlta / RegistroAnulacion bytes, each a standalone document in
the AEAT's namespace, as the builder stores them."""

from __future__ import annotations

import hashlib

from verifactu.namespaces import SF

SYSTEM = (
    "<sf:SistemaInformatico><sf:NombreRazon>FACTURAgem</sf:NombreRazon>"
    "<sf:NIF>B00000000</sf:NIF><sf:NombreSistemaInformatico>FACTURAgem</sf:NombreSistemaInformatico>"
    "<sf:IdSistemaInformatico>FG</sf:IdSistemaInformatico><sf:Version>1.0.0</sf:Version>"
    "<sf:NumeroInstalacion>1</sf:NumeroInstalacion>"
    "<sf:TipoUsoPosibleSoloVerifactu>S</sf:TipoUsoPosibleSoloVerifactu>"
    "<sf:TipoUsoPosibleMultiOT>S</sf:TipoUsoPosibleMultiOT>"
    "<sf:IndicadorMultiplesOT>N</sf:IndicadorMultiplesOT></sf:SistemaInformatico>"
)


def _huella(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest().upper()


def alta(number: str = "2027-0001", *, issuer_nif: str = "B12345674",
         issuer_name: str = "Kovacek Nienow SL", issue_date: str = "04-01-2027",
         external_ref: str | None = None, base: str = "100.00", tax: str = "21.00",
         total: str = "121.00", declaration: bool = True) -> bytes:
    ref = f"<sf:RefExterna>{external_ref}</sf:RefExterna>" if external_ref else ""
    xml = (
        f'<sf:RegistroAlta xmlns:sf="{SF}">'
        "<sf:IDVersion>1.0</sf:IDVersion>"
        f"<sf:IDFactura><sf:IDEmisorFactura>{issuer_nif}</sf:IDEmisorFactura>"
        f"<sf:NumSerieFactura>{number}</sf:NumSerieFactura>"
        f"<sf:FechaExpedicionFactura>{issue_date}</sf:FechaExpedicionFactura></sf:IDFactura>"
        f"{ref}"
        f"<sf:NombreRazonEmisor>{issuer_name}</sf:NombreRazonEmisor>"
        "<sf:TipoFactura>F1</sf:TipoFactura>"
        "<sf:DescripcionOperacion>Servicios de consultoría</sf:DescripcionOperacion>"
        "<sf:Destinatarios><sf:IDDestinatario><sf:NombreRazon>Acme Distribuciones SL"
        "</sf:NombreRazon><sf:NIF>B87654323</sf:NIF></sf:IDDestinatario></sf:Destinatarios>"
        "<sf:Desglose><sf:DetalleDesglose><sf:ClaveRegimen>01</sf:ClaveRegimen>"
        "<sf:CalificacionOperacion>S1</sf:CalificacionOperacion>"
        "<sf:TipoImpositivo>21</sf:TipoImpositivo>"
        f"<sf:BaseImponibleOimporteNoSujeto>{base}</sf:BaseImponibleOimporteNoSujeto>"
        f"<sf:CuotaRepercutida>{tax}</sf:CuotaRepercutida></sf:DetalleDesglose></sf:Desglose>"
        f"<sf:CuotaTotal>{tax}</sf:CuotaTotal><sf:ImporteTotal>{total}</sf:ImporteTotal>"
        "<sf:Encadenamiento><sf:PrimerRegistro>S</sf:PrimerRegistro></sf:Encadenamiento>"
        f"{SYSTEM}"
        "<sf:FechaHoraHusoGenRegistro>2027-01-04T10:15:00+01:00</sf:FechaHoraHusoGenRegistro>"
        f"<sf:TipoHuella>01</sf:TipoHuella><sf:Huella>{_huella(number)}</sf:Huella>"
        "</sf:RegistroAlta>"
    )
    head = '<?xml version="1.0" encoding="UTF-8"?>\n' if declaration else ""
    return (head + xml).encode("utf-8")


def anulacion(number: str = "2027-0001", *, issuer_nif: str = "B12345674",
              issue_date: str = "04-01-2027", external_ref: str | None = None) -> bytes:
    ref = f"<sf:RefExterna>{external_ref}</sf:RefExterna>" if external_ref else ""
    xml = (
        f'<sf:RegistroAnulacion xmlns:sf="{SF}">'
        "<sf:IDVersion>1.0</sf:IDVersion>"
        f"<sf:IDFactura><sf:IDEmisorFacturaAnulada>{issuer_nif}</sf:IDEmisorFacturaAnulada>"
        f"<sf:NumSerieFacturaAnulada>{number}</sf:NumSerieFacturaAnulada>"
        f"<sf:FechaExpedicionFacturaAnulada>{issue_date}</sf:FechaExpedicionFacturaAnulada>"
        f"</sf:IDFactura>{ref}"
        "<sf:Encadenamiento><sf:RegistroAnterior>"
        f"<sf:IDEmisorFactura>{issuer_nif}</sf:IDEmisorFactura>"
        f"<sf:NumSerieFactura>{number}</sf:NumSerieFactura>"
        f"<sf:FechaExpedicionFactura>{issue_date}</sf:FechaExpedicionFactura>"
        f"<sf:Huella>{_huella(number)}</sf:Huella></sf:RegistroAnterior></sf:Encadenamiento>"
        f"{SYSTEM}"
        "<sf:FechaHoraHusoGenRegistro>2027-01-05T09:00:00+01:00</sf:FechaHoraHusoGenRegistro>"
        f"<sf:TipoHuella>01</sf:TipoHuella><sf:Huella>{_huella('void' + number)}</sf:Huella>"
        "</sf:RegistroAnulacion>"
    )
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + xml).encode("utf-8")
