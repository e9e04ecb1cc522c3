"""The office's electronic seal on issued PDFs (PAdES baseline, pyHanko), and a demo PKI.

A seal is the office's certificate (in production one from the national CA, BSrE) signing the
whole document, so any PDF reader shows it as signed and unchanged. B-B without a timestamp
server, B-T with one (RFC 3161). Without a configured certificate, nothing is sealed.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from ..settings import Settings

FIELD_NAME = "SegelElektronikTitip"
# Where the visible seal sits on the last page (points from the bottom left): in the bottom margin.
SEAL_BOX = (65, 6, 330, 36)


class SealConfigError(RuntimeError):
    """The configured certificate cannot be used (missing file, wrong passphrase): said at start."""


@dataclass
class Sealer:
    """The loaded office certificate and key; one per process, used for every issued PDF."""

    signer: Any
    location: str
    tsa_url: str | None = None
    # Printed in the visible seal: where anyone can check a copy (upload) against the register.
    check_url: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Sealer | None:
        if not settings.seal_p12:
            return None
        from pyhanko.sign import signers

        path = Path(settings.seal_p12)
        if not path.is_file():
            raise SealConfigError(f"TITIP_SEAL_P12: no file at {path}")
        passphrase = settings.seal_passphrase.encode() if settings.seal_passphrase else None
        signer = signers.SimpleSigner.load_pkcs12(str(path), passphrase=passphrase)
        if signer is None:  # pyHanko logs the reason and answers None
            raise SealConfigError("TITIP_SEAL_P12: the PKCS#12 file could not be opened (wrong TITIP_SEAL_PASSPHRASE?)")
        return cls(signer=signer, location=settings.office_city, tsa_url=settings.seal_tsa_url,
                   check_url=f"{settings.public_url.rstrip('/')}/verify")

    def seal(self, pdf: bytes, reason: str = "Dokumen resmi diterbitkan melalui Titip") -> bytes:
        """The sealed PDF: an incremental update with one visible signature over the whole file."""
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers
        from pyhanko.stamp import TextStampStyle

        timestamper = None
        if self.tsa_url:
            from pyhanko.sign.timestamps import HTTPTimeStamper

            timestamper = HTTPTimeStamper(self.tsa_url)
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason, location=self.location, use_pades_lta=False, embed_validation_info=False)
        text = "Disegel secara elektronik oleh %(signer)s\nWaktu: %(ts)s"
        if self.check_url:
            text += f"\nPeriksa keaslian: {self.check_url.replace('%', '%%')}"
        style = TextStampStyle(stamp_text=text, border_width=0)
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        pdf_signer = signers.PdfSigner(
            meta, signer=self.signer, timestamper=timestamper, stamp_style=style,
            new_field_spec=fields.SigFieldSpec(FIELD_NAME, on_page=-1, box=SEAL_BOX))
        out = pdf_signer.sign_pdf(writer)
        return out.getvalue()


def install(factory: sessionmaker[Session], settings: Settings) -> None:
    """Give the factory's sessions the seal (papers.store reads it); fails at start when misconfigured."""
    info = factory.kw.setdefault("info", {})
    info["sealer"] = Sealer.from_settings(settings)
    info["public_url"] = settings.public_url.rstrip("/")


def sealer_of(session: Session) -> Sealer | None:
    return session.info.get("sealer")


def init_demo(directory: Path, office_name: str, passphrase: str) -> dict[str, Path]:
    """A demo CA and an office seal certificate signed by it (for `make demo` and the tests only)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Titip Demo"),
                         x509.NameAttribute(NameOID.COMMON_NAME, "Titip Demo CA (bukan untuk produksi)")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now).not_valid_after(now + dt.timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(ca_ski, critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, office_name),
                         x509.NameAttribute(NameOID.COMMON_NAME, f"Segel Elektronik {office_name}")])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + dt.timedelta(days=730))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = {"ca": directory / "demo-ca.pem", "p12": directory / "office-seal.p12",
             "cert": directory / "office-seal.pem"}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    p12 = pkcs12.serialize_key_and_certificates(
        b"office-seal", key, cert, [ca], serialization.BestAvailableEncryption(passphrase.encode()))
    paths["p12"].write_bytes(p12)
    paths["p12"].chmod(0o600)
    return paths
