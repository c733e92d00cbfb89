"""The AEAT's XML namespaces. The path is `tike`, not `tikeV1.0` (the download URL of the
schemas): the AEAT rejects records in a namespace copied from the download address."""

_BASE = (
    "https://www2.agenciatributaria.gob.es/static_files/common/internet/dep/aplicaciones/"
    "es/aeat/tike/cont/ws/"
)
SF = _BASE + "SuministroInformacion.xsd"  # records: RegistroAlta, RegistroAnulacion
SFLR = _BASE + "SuministroLR.xsd"  # the message: RegFactuSistemaFacturacion
SFR = _BASE + "RespuestaSuministro.xsd"  # the answer: RespuestaRegFactuSistemaFacturacion
DS = "http://www.w3.org/2000/09/xmldsig#"
SOAPENV = "http://schemas.xmlsoap.org/soap/envelope/"

# The prefixes of the AEAT's own examples.
NSMAP = {"sum": SFLR, "sum1": SF}
