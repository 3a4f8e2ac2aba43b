#!/usr/bin/env python3
"""A test-only signing key for the JWT auth plugin's manifest, made on first use (never committed).

    jwt_keys.py pubkey                      the PEM public key (for jwt_validation_pubkeys)
    jwt_keys.py mint --sub vpc --aud vpc    a fresh ES256 JWT, valid for 10 minutes

The key lives in plugins_under_test/bin/ (git-ignored), next to the plugin binaries.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import time
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

KEY_FILE = Path(__file__).resolve().parent.parent / "bin" / "jwt-test-key.pem"


def _key() -> ec.EllipticCurvePrivateKey:
    if not KEY_FILE.exists():
        KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
        pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        temporary = KEY_FILE.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(pem)
        os.replace(temporary, KEY_FILE)  # atomic: parallel first uses agree on one key
    return serialization.load_pem_private_key(KEY_FILE.read_bytes(), password=None)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint(sub: str, aud: str, lifetime_s: int = 600) -> str:
    now = int(time.time())
    header = {"alg": "ES256", "typ": "JWT"}
    claims = {"sub": sub, "aud": aud, "iat": now, "nbf": now - 5, "exp": now + lifetime_s}
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    r, s = decode_dss_signature(_key().sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
    return f"{signing_input}.{_b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("pubkey")
    minting = commands.add_parser("mint")
    minting.add_argument("--sub", required=True)
    minting.add_argument("--aud", required=True)
    args = parser.parse_args()
    if args.command == "pubkey":
        print(_key().public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo).decode().strip())
    else:
        print(mint(args.sub, args.aud))


if __name__ == "__main__":
    main()
