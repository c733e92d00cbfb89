"""The AEAT client certificate: an account's own qualified certificate (uploaded as a
PKCS#12, its key kept encrypted at rest) or the service-wide one from the settings, and the
one call the sender uses to get either (`certificates.services.credentials_for`)."""
