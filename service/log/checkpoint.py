"""Signed checkpoints of the decision log, after Certificate Transparency's signed tree heads (RFC 6962, 3.5).

The hash chain proves the log consistent with itself, not that it is the log
that was written: whoever can write to the database can delete the newest
records and rewind the head, or rewrite the tail and every hash after it, and
`verify` still passes. A checkpoint anchors the head outside the database: the
heads of the three chains (decisions: seq, hash, the last decision's time;
activations and evaluations: seq, hash) and the time, signed with an Ed25519 key the auditor
keeps away from the database and the service. Anyone holding a checkpoint and
the public key checks that the log still *extends* it: the chain verifies from
the start to the current head, and the record at the checkpoint's seq still has
the hash it signed. A truncated log (head now below the checkpoint's seq) or a
rewritten one (another hash at that seq) is caught, and, unlike the head row,
the checkpoint cannot be rewritten to match without the private key.
A checkpoint made before evaluations were chained has no "evaluations" field:
it is still read and verified, and vouches for decisions and activations only
(the field cannot be dropped from a newer one: the signature covers it).

A checkpoint is a JSON object; its signature covers the canonical JSON
(chain.canonical_json) of every other field. Keys are PEM files: PKCS #8 for
the private key, SubjectPublicKeyInfo for the public one (what `openssl pkey`
reads). Signing and verifying use the `cryptography` package.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from service.log.chain import canonical_json, timestamp
from service.log.store import DecisionStore

FORMAT = "cogov-checkpoint/1"
CHAINS = ("decisions", "activations", "evaluations")
REQUIRED = ("decisions", "activations")   # "evaluations" is missing from checkpoints made before it was signed
KINDS = {"decisions": "record", "activations": "activation", "evaluations": "evaluation"}


class CheckpointError(ValueError):
    """A key or checkpoint file that cannot be used (unreadable, malformed, wrong kind of key)."""


# -- keys ------------------------------------------------------------------------------------------------------
def key_id(public_key: Ed25519PublicKey) -> str:
    """A short name for a public key: sha256 of its raw 32 bytes (a checkpoint says which key signed it)."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def write_key_pair(private_path: Path, public_path: Path) -> str:
    """Make a new key pair: the private key readable by its owner only (0600), created, never overwritten
    (an auditor's key replaced by mistake would orphan every checkpoint it signed). Returns the key id."""
    key = Ed25519PrivateKey.generate()
    private_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption())
    public_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                               serialization.PublicFormat.SubjectPublicKeyInfo)
    for path in (private_path, public_path):
        if path.exists():
            raise CheckpointError(f"{path}: already exists; not overwritten")
    try:
        fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(private_pem)
        with open(public_path, "xb") as out:
            out.write(public_pem)
    except OSError as exc:
        raise CheckpointError(f"cannot write the key pair: {exc}") from None
    return key_id(key.public_key())


def _read(path: Path, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot read the {what}: {exc.strerror}") from None


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(_read(path, "private key"), password=None)
    except (ValueError, TypeError) as exc:
        raise CheckpointError(f"{path}: not an unencrypted PEM private key ({exc})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointError(f"{path}: not an Ed25519 private key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(_read(path, "public key"))
    except (ValueError, TypeError) as exc:
        raise CheckpointError(f"{path}: not a PEM public key ({exc})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointError(f"{path}: not an Ed25519 public key")
    return key


# -- checkpoints -----------------------------------------------------------------------------------------------
def _signed_text(checkpoint: dict[str, Any]) -> bytes:
    return canonical_json({k: v for k, v in checkpoint.items() if k != "signature"}).encode("utf-8")


def make_checkpoint(store: DecisionStore, key: Ed25519PrivateKey) -> dict[str, Any]:
    """The log's current heads, signed. The chain is verified first, up to heads at least as new as those
    signed: a checkpoint vouches for the log up to its heads, so it is never made of a log that does not
    verify (CheckpointError says why)."""
    heads = store.heads()
    result = store.verify()
    if not result.ok:
        raise CheckpointError(f"the log does not verify, so it is not signed: {result}")
    for chain in CHAINS:
        if store.hash_at(chain, heads[chain]["seq"]) != heads[chain]["hash"]:   # changed after being read
            raise CheckpointError(f"the {chain}' head changed while the log was verified: try again")
    body = {"format": FORMAT, "time": timestamp(datetime.now(timezone.utc)),
            "decisions": heads["decisions"], "activations": heads["activations"],
            "evaluations": heads["evaluations"], "key_id": key_id(key.public_key())}
    return {**body, "signature": base64.b64encode(key.sign(_signed_text(body))).decode("ascii")}


def read_checkpoint(path: Path) -> dict[str, Any]:
    """A checkpoint file, checked for form (CheckpointError naming the file and field), not yet its
    signature. One without "evaluations" (made before that chain was signed) is accepted: see chains()."""
    try:
        data = json.loads(_read(path, "checkpoint").decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise CheckpointError(f"{path}: not a JSON checkpoint ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a checkpoint (format is not {FORMAT!r})")
    for chain in CHAINS:
        head = data.get(chain)
        if chain not in REQUIRED and chain not in data:
            continue
        if not isinstance(head, dict) or not isinstance(head.get("seq"), int) or isinstance(head.get("seq"), bool) \
                or head["seq"] < 0 or not isinstance(head.get("hash"), str):
            raise CheckpointError(f"{path}: field {chain!r} must be {{\"seq\": n >= 0, \"hash\": \"...\"}}")
    for name in ("time", "signature", "key_id"):
        if not isinstance(data.get(name), str):
            raise CheckpointError(f"{path}: field {name!r} is missing or not text")
    return data


def signature_problem(checkpoint: dict[str, Any], public_key: Ed25519PublicKey) -> str | None:
    """Why the checkpoint's signature does not hold under `public_key`, or None."""
    try:
        signature = base64.b64decode(checkpoint["signature"], validate=True)
        public_key.verify(signature, _signed_text(checkpoint))
    except (InvalidSignature, binascii.Error, ValueError):
        signed_by = checkpoint.get("key_id")
        other = f" (it names key {signed_by}, this public key is {key_id(public_key)})" \
            if signed_by != key_id(public_key) else ""
        return "bad signature: the checkpoint was altered or not signed by this key" + other
    return None


def chains(checkpoint: dict[str, Any]) -> tuple[str, ...]:
    """The chains a checkpoint vouches for: all three, or decisions and activations only in one made before
    evaluations were signed."""
    return tuple(chain for chain in CHAINS if chain in REQUIRED or chain in checkpoint)


def extension_problem(store: DecisionStore, checkpoint: dict[str, Any], heads: dict[str, Any]) -> str | None:
    """Why the log (whose chain the caller has verified from the start to `heads`) does not extend the
    checkpoint, or None: for each chain, the head is not below the checkpoint's seq and the record there
    still has the hash it signed. With the chain verified, that proves every record up to it unchanged.
    Only the chains the checkpoint signed are checked (chains())."""
    for chain in chains(checkpoint):
        seq, signed = checkpoint[chain]["seq"], checkpoint[chain]["hash"]
        kind = KINDS[chain]
        if heads[chain]["seq"] < seq:
            return f"the {chain} end at seq {heads[chain]['seq']} but the checkpoint signed seq {seq}: " \
                   f"the log was truncated ({kind}s {heads[chain]['seq'] + 1}..{seq} are gone)"
        stored = store.hash_at(chain, seq)
        if stored != signed:
            return f"the {kind} at seq {seq} has hash {stored} but the checkpoint signed {signed}: the log was " \
                   "rewritten from there"
    return None
