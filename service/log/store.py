"""DecisionStore: append to, read and verify the hash-chained decision log.

Appends are serialised so the chain stays linear with concurrent writers,
also across processes and replicas: the writer locks the single `log_head`
row (SELECT ... FOR UPDATE on PostgreSQL; BEGIN IMMEDIATE on SQLite, which
takes the database write lock), reads the last seq and hash, inserts the
record and moves the head, all in one transaction. Nothing here deletes a
decision, and the only update is `apply_retention`, which replaces personal
values by the commitments the hash already covers (privacy.py).
"""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import unicodedata
import uuid
from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Engine, Row, func, insert, select, text, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, SQLAlchemyError

from engine import CogovError, load_rulebase_files
from engine.explanation import compact, expand, is_compact
from engine.rulebase import RuleBase
from engine.translations import files_version
from service.log.chain import (FORMAT, activation_hash, canonical_json, compact_json, context_index, derive_index,
                               record_hash, recommendation_index, rulebase_digest, timestamp, utc_naive)
from service.log.db import DatabaseError, check_schema, make_engine, migrate, sqlite_file
from service.log.evaluations import EVALUATION_HEAD, EVALUATIONS, EvaluationLog
from service.log.packing import COMPACT_FORMAT, pack, stored_bytes, texts
from service.log.models import (GENESIS_HASH, HEAD_ID, ActivationHead, Decision, DecisionRule, IdempotencyKey,
                                TranslationsVersion,
                                LogHead, RuleBaseActivation, RuleBaseVersion)
from service.log.privacy import PrivacyPolicy, committed_texts, erase
from service.log.records import (DecisionFilter, DecisionPage, DecisionRecord, Selection, StoredRuleBase,
                                 VerifyResult, decode_cursor, encode_cursor, utc_aware)

DECISIONS = Decision.__table__
RULES = DecisionRule.__table__
HEAD = LogHead.__table__
RULEBASES = RuleBaseVersion.__table__
ACTIVATIONS = RuleBaseActivation.__table__
ACTIVATION_HEAD = ActivationHead.__table__
IDEMPOTENCY = IdempotencyKey.__table__
TRANSLATIONS = TranslationsVersion.__table__
MAX_PAGE = 200
# PostgreSQL's NOTIFY channel on which each activation's commit is announced, its payload {"seq", "version"}
# (service.replicas listens on it; SQLite has no NOTIFY, its replicas check the log periodically)
ACTIVATION_CHANNEL = "cogov_activation"


class LogError(RuntimeError):
    """The log refused an operation (e.g. a decision for a rule base it does not hold)."""


class RecordNotRenderable(LogError):
    """A compact record cannot be shown in full: the rule base version that made it is not stored, or its
    stored files do not load as that version (altered). Answered 409 (service/errors.py), never rendered
    from other rules."""


def _wording(wording: dict[str, str | None] | None) -> dict[str, str | None]:
    """A record's language and translations version (service/rule_words.py wording), or none said."""
    if not wording or not wording.get("language"):
        return {}
    return {"language": str(wording["language"]), "translations": wording.get("translations")}


def _database_unusable(exc: Exception) -> bool:
    """Whether a failed write says the database cannot take any write now (connection lost, server down, disk
    full, lock timeout: DBAPI OperationalError/InterfaceError) rather than that it refused this record's values
    (DataError, an encoding error, a constraint)."""
    return isinstance(exc, (OperationalError, InterfaceError)) or bool(getattr(exc, "connection_invalidated", False))


def _folded(text: str) -> str:
    """A name without case, accents or surrounding blanks: 'Malmö ' -> 'malmo'."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _not_stored(version: str) -> LogError:
    return LogError(f"rule base {version} is not stored: call store_rulebase first")


class DecisionStore:
    """The decision log on one database (SQLite or PostgreSQL, by URL)."""

    def __init__(self, url: str, *, migrate_schema: bool = True, privacy: PrivacyPolicy | None = None):
        """Open the log at `url`; migrate_schema=False (for read-only tools) refuses
        a database that holds no log instead of creating one. `privacy` says which
        fields of new records are personal or never stored."""
        self.url = url
        self.privacy = privacy or PrivacyPolicy()
        self._digest_cache: dict[str, str] = {}
        self._rulebase_cache: dict[str, RuleBase] = {}    # version -> loaded, to render compact records
        self._translations_known: set[str] = set()        # translation versions stored (store_translations)
        path = sqlite_file(url)
        if not migrate_schema and path is not None and not path.is_file():
            raise DatabaseError(f"no decision log at {path}: no such file")
        self.engine: Engine = make_engine(url)
        try:
            if migrate_schema:
                migrate(self.engine)
            else:
                check_schema(self.engine)
        except SQLAlchemyError as exc:
            self.engine.dispose()
            raise DatabaseError(f"cannot open the decision log at {self.engine.url!r}: {exc}") from None
        except DatabaseError:
            self.engine.dispose()
            raise
        self.evaluations = EvaluationLog(self.engine, self.privacy, self.recommendation_of)   # what happened after

    def close(self) -> None:
        self.engine.dispose()

    def ping(self) -> None:
        """Raise DatabaseError unless the database answers."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            raise DatabaseError(f"decision log database unreachable: {exc}") from None

    # -- rule bases --------------------------------------------------------------
    def store_rulebase(self, version: str, files: dict[str, str]) -> str:
        """Keep a rule base version's files (idempotent); returns their digest."""
        digest = rulebase_digest(files)
        existing = self.get_rulebase(version)
        if existing is None:
            try:
                with self.engine.begin() as conn:
                    conn.execute(insert(RULEBASES).values(version=version, digest=digest, files=canonical_json(files),
                                                          stored_at=utc_naive(datetime.now(timezone.utc))))
                return digest
            except IntegrityError:   # another replica stored it first
                existing = self.get_rulebase(version)
        if existing is None or existing.digest != digest:
            raise LogError(f"rule base {version} is already stored with different files")
        return digest

    def get_rulebase(self, version: str) -> StoredRuleBase | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(RULEBASES).where(RULEBASES.c.version == version)).first()
        if row is None:
            return None
        return StoredRuleBase(row.version, row.digest, json.loads(row.files), utc_aware(row.stored_at))

    def loaded_rulebase(self, version: str) -> RuleBase:
        """The stored rule base `version`, loaded (once per store): what a compact record is rendered from.
        LogError when it is not stored or does not load as that version: a compact record made with it
        cannot be shown, and is never shown rendered from another."""
        found = self._rulebase_cache.get(version)
        if found is None:
            stored = self.get_rulebase(version)
            if stored is None:
                raise RecordNotRenderable(f"rule base {version} is not stored: the decisions it made cannot be "
                                          "rendered")
            try:
                found = load_rulebase_files(stored.files, expect_version=version)
            except CogovError as exc:
                raise RecordNotRenderable(f"rule base {version} as stored does not load, so the decisions it made "
                                          f"cannot be rendered: {exc}") from None
            self._rulebase_cache[version] = found
        return found

    def expand(self, recommendation: dict[str, Any], version: str) -> dict[str, Any]:
        """The full recommendation of a stored one: a compact one rendered from the stored rule base `version`
        (engine.explanation.expand), a full one as it is. LogError when it cannot be rendered."""
        if not is_compact(recommendation):
            return recommendation
        rulebase = self.loaded_rulebase(version)
        try:
            return expand(recommendation, rulebase)
        except CogovError as exc:
            raise RecordNotRenderable(f"a decision made with rule base {version} cannot be rendered: {exc}") from None

    def recommendation_of(self, rec_text: str, version: str, format: int) -> dict[str, Any]:
        """The full recommendation of a stored record's recommendation text (format 3: compact)."""
        data = json.loads(rec_text)
        return self.expand(data, version) if format >= COMPACT_FORMAT else data

    def list_rulebases(self) -> list[dict[str, Any]]:
        """Every stored version, newest first, with how many decisions it made."""
        used = (select(DECISIONS.c.rulebase_version, func.count().label("n"))
                .group_by(DECISIONS.c.rulebase_version).subquery())
        query = (select(RULEBASES.c.version, RULEBASES.c.digest, RULEBASES.c.stored_at, used.c.n)
                 .outerjoin(used, used.c.rulebase_version == RULEBASES.c.version)
                 .order_by(RULEBASES.c.stored_at.desc()))
        with self.engine.connect() as conn:
            return [{"version": r.version, "digest": r.digest, "stored_at": utc_aware(r.stored_at),
                     "decisions": r.n or 0} for r in conn.execute(query)]

    # -- rule base activations (which version served from when; see service/serving.py) --
    def record_activation(self, version: str, activated_by: str, action: str,
                          note: str | None = None) -> dict[str, Any]:
        """Append one activation record; the version must be stored (store_rulebase) first.

        Activations are hash-chained like decisions, so `verify` names one altered, deleted or inserted. They
        have a chain of their own (chain.activation_hash, head row `activation_head`) rather than places in
        the decisions' one: a decision's `seq` is its position among decisions (replay checks a record by its
        neighbours, impact pages by seq ranges, the load tests count records by it), which one chain for
        both would break, and an activation written while decisions are group-committed would have to wait
        for, or split, their batch. Two heads cost nothing: a signed checkpoint signs both (audit
        checkpoints, RELIABILITY.md). Appends lock the head row as decisions' do (FOR UPDATE; BEGIN
        IMMEDIATE on SQLite), so the chain stays linear across replicas."""
        at = utc_naive(datetime.now(timezone.utc))
        values = dict(version=version, activated_at=at, activated_by=str(activated_by)[:100], action=action,
                      note=note)
        with self._appending() as conn:
            head = conn.execute(select(ACTIVATION_HEAD.c.seq, ACTIVATION_HEAD.c.hash)
                                .where(ACTIVATION_HEAD.c.id == HEAD_ID).with_for_update()).one()
            chained = dict(values, seq=head.seq + 1, prev_hash=head.hash)
            chained["hash"] = activation_hash(**chained)
            new_id = conn.execute(insert(ACTIVATIONS).values(**chained)).inserted_primary_key[0]
            conn.execute(update(ACTIVATION_HEAD).where(ACTIVATION_HEAD.c.id == HEAD_ID)
                         .values(seq=chained["seq"], hash=chained["hash"]))
            if conn.dialect.name == "postgresql":   # sent when (and only if) the activation commits
                conn.execute(select(func.pg_notify(ACTIVATION_CHANNEL, canonical_json(
                    {"seq": chained["seq"], "version": version}))))
        return {"id": new_id, **values, "activated_at": utc_aware(at)}

    def list_activations(self, limit: int = 500) -> list[dict[str, Any]]:
        """Activation records, newest first (in chain order: `seq`, which the hash covers, not `id`)."""
        query = select(ACTIVATIONS).order_by(ACTIVATIONS.c.seq.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [{"id": r.id, "version": r.version, "activated_at": utc_aware(r.activated_at),
                     "activated_by": r.activated_by, "action": r.action, "note": r.note}
                    for r in conn.execute(query)]

    def last_activation(self) -> dict[str, Any] | None:
        found = self.list_activations(limit=1)
        return found[0] if found else None

    def listen_dsn(self) -> str | None:
        """The libpq connection string to LISTEN on ACTIVATION_CHANNEL with, or None where the database has no
        NOTIFY (SQLite)."""
        if self.engine.dialect.name != "postgresql":
            return None
        return self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)

    # -- appending ---------------------------------------------------------------
    def record(self, *, identity: Any, recommendation: dict[str, Any], rulebase_version: str,
               engine_version: str, context: Any = None, context_raw: str | None = None,
               wording: dict[str, str | None] | None = None) -> DecisionRecord:
        """Append one decision; returns it with its id, time, seq and hash.

        `identity` has .name and .role (service.deps.Identity). Give the
        context as received (`context_raw`, logged verbatim), or parsed only
        (`context`, e.g. from a form: logged as canonical JSON), or both.
        The rule base version must have been stored with store_rulebase.
        """
        item = self._prepare(identity, recommendation, None, None, rulebase_version, engine_version, context,
                             context_raw) | _wording(wording)
        with self._appending() as conn:
            digests = self._digests(conn, {rulebase_version})
            if digests.get(rulebase_version) is None:
                raise _not_stored(rulebase_version)
            values = self._write(conn, [item], digests)[0]
        return self._record(values | item["index"], item["compact"], item["index"]["rules"])

    def record_texts(self, items: list[dict[str, Any]]) -> list[tuple[str, datetime] | Exception]:
        """Append several decisions in ONE transaction (one commit, so one flush to disk, for all of them):
        the log's group commit (service/log/group_commit.py). Each item gives a recommendation as an engine
        worker made it, keyword arguments identity, context_raw, context, canonical (its `canonical_json`),
        index (its `chain.recommendation_index`), rulebase_version and engine_version. Answers, item by
        item, (id, created_at) or the exception that kept that item out of the log. The records are chained
        in the order given, each exactly as record() stores the same recommendation.

        A record that fails to write fails alone: when the batch's transaction fails, each of its items is
        written again in a transaction of its own (in order), so a record the database refuses (a value it
        cannot store that validation let through) gets its error and the others are written and answered.
        A lost connection, a full disk or a lock timeout is no item's fault: the batch then fails as a whole,
        without retries (each would wait on the same database)."""
        results: list[tuple[str, datetime] | Exception | None] = [None] * len(items)
        prepared: list[tuple[int, dict[str, Any]]] = []
        for i, kw in enumerate(items):
            try:
                prepared.append((i, self._prepare(kw["identity"], None, kw["canonical"], kw["index"],
                                                  kw["rulebase_version"], kw["engine_version"], kw["context"],
                                                  kw["context_raw"]) | {"idempotency": kw.get("idempotency")}
                                 | _wording(kw.get("wording"))))
            except Exception as exc:     # this item's own fault (e.g. a record() misuse); the others go on
                results[i] = exc
        failure = self._append_batch(prepared, results)
        if failure is not None and len(prepared) > 1 and not _database_unusable(failure):
            for i, item in prepared:
                if isinstance(results[i], LogError):
                    continue
                failure = self._append_batch([(i, item)], results)
                if failure is not None and _database_unusable(failure):   # the rest would fail the same way:
                    break                                                   # they keep the batch's failure
        for i, result in enumerate(results):
            if isinstance(result, Exception) and not isinstance(result, (SQLAlchemyError, LogError)):
                # e.g. a driver's UnicodeEncodeError: the caller answers "not written" (503), not a crash (500)
                wrapped = LogError(f"the decision could not be written to the log: {result}")
                wrapped.__cause__ = result
                results[i] = wrapped
        return results  # type: ignore[return-value]

    def _append_batch(self, prepared: list[tuple[int, dict[str, Any]]],
                      results: list[Any]) -> Exception | None:
        """Write `prepared` in one transaction, setting each item's result; the transaction's failure (then
        every item not refused on its own has it as its result and none is written), or None."""
        try:
            with self._appending() as conn:
                digests = self._digests(conn, {item["rulebase_version"] for _, item in prepared})
                ok: list[tuple[int, dict[str, Any]]] = []
                for i, item in prepared:
                    if digests.get(item["rulebase_version"]) is None:
                        results[i] = _not_stored(item["rulebase_version"])
                    else:
                        ok.append((i, item))
                written = self._write(conn, [item for _, item in ok], digests)
        except Exception as exc:         # the transaction failed (maybe at commit): none of this batch is written
            for i, _ in prepared:
                if not isinstance(results[i], LogError):
                    results[i] = exc
            return exc
        for (i, _), values in zip(ok, written):
            results[i] = (values["id"], values["created_at"])
        return None

    # -- translations (the words of answers in other languages) ---------------------------
    def store_translations(self, version: str, files: dict[str, str]) -> None:
        """Keep the translation files of `version` (idempotent), so that a decision answered with them can
        be read in its original wording later. The version is their digest (engine/translations.py): other
        files under a stored version are refused."""
        if files_version({rel: text.encode("utf-8") for rel, text in files.items()}) != version:
            raise LogError(f"these translation files are not version {version}")
        if version in self._translations_known or self._translations_row(version) is not None:
            self._translations_known.add(version)
            return
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(TRANSLATIONS).values(version=version, files=canonical_json(files),
                                                         stored_at=utc_naive(datetime.now(timezone.utc))))
        except IntegrityError:   # another replica stored it first: the same files, as the version is their digest
            pass
        self._translations_known.add(version)

    def _translations_row(self, version: str) -> str | None:
        """The stored files text of a translations version, as stored (unchecked), or None."""
        with self.engine.connect() as conn:
            return conn.execute(select(TRANSLATIONS.c.files).where(TRANSLATIONS.c.version == version)
                                ).scalar_one_or_none()

    @staticmethod
    def _translations_problem(version: str, stored: str) -> tuple[dict[str, str] | None, str | None]:
        """(the files, None) of a stored translations version whose files are still that version (their
        digest, engine/translations.py files_version), else (None, what is wrong)."""
        try:
            files = json.loads(stored)
            if not isinstance(files, dict) or not all(isinstance(t, str) for t in files.values()):
                raise ValueError("not a mapping of file paths to texts")
            actual = files_version({rel: text.encode("utf-8") for rel, text in files.items()})
        except (ValueError, TypeError, AttributeError) as exc:
            return None, f"the stored translations {version} are not files ({exc}): they were altered"
        if actual != version:
            return None, f"the stored files of translations {version} were altered (they are now version {actual})"
        return files, None

    def get_translations(self, version: str) -> dict[str, str] | None:
        """The translation files of a stored version, or None when it is not stored. RecordNotRenderable when
        the stored files are not that version (altered): a decision's original wording is never shown from
        them."""
        stored = self._translations_row(version)
        if stored is None:
            return None
        files, problem = self._translations_problem(version, stored)
        if problem is not None:
            raise RecordNotRenderable(f"{problem}, so the decisions answered with them cannot be shown in their "
                                      "original wording")
        return files

    def _verify_translations(self, checked: dict[str, str | None]) -> tuple[int, tuple[str, str] | None]:
        """(translations versions that verify, (the first that does not, why) or None): every stored version's
        files against their version (their digest). `checked`: versions the decisions' walk checked already."""
        count = 0
        with self.engine.connect() as conn:
            rows = conn.execute(select(TRANSLATIONS.c.version, TRANSLATIONS.c.files)
                                .order_by(TRANSLATIONS.c.stored_at, TRANSLATIONS.c.version)).all()
        for row in rows:
            problem = checked[row.version] if row.version in checked else \
                self._translations_problem(row.version, row.files)[1]
            if problem is not None:
                return count, (row.version, f"{problem}; no decision in the log was answered with them")
            count += 1
        return count, None

    def _prepare(self, identity: Any, recommendation: dict[str, Any] | None, rec_text: str | None,
                 rec_index: dict[str, Any] | None, rulebase_version: str, engine_version: str,
                 context: Any, context_raw: str | None) -> dict[str, Any]:
        """Everything about one decision's record that needs no lock: its texts, what its hash covers, its
        index and id."""
        if context_raw is None:
            if context is None:
                raise ValueError("record() needs the context: context_raw, context or both")
            context_raw = canonical_json(context)
        if context is None:
            context = json.loads(context_raw)
        caller_name, caller_role = str(identity.name), str(identity.role)
        # the log keeps the compact recommendation (engine/explanation.py); an engine worker sends its text
        # (service/worker_process.py), record() the full recommendation, which is made compact here
        packed = FORMAT >= COMPACT_FORMAT
        if packed and rec_text is not None and not rec_text.startswith('{"compact":'):
            recommendation, rec_text = json.loads(rec_text), None
        if packed and recommendation is not None and not is_compact(recommendation):
            recommendation, rec_text = compact(recommendation), None
        personal: dict[str, str | None] = {}
        if self.privacy.active:
            if recommendation is None:
                recommendation = json.loads(rec_text)
            stored, personal = self.privacy.prepare({"context": context, "recommendation": recommendation})
            if personal:
                context, recommendation = stored["context"], stored["recommendation"]
                context_raw = canonical_json(context)
                rec_text = rec_index = None
        if rec_text is None:
            rec_text = compact_json(recommendation) if packed else canonical_json(recommendation)
        hashed_context, hashed_rec = committed_texts(context_raw, rec_text, personal)
        index = context_index(context, rec_index if rec_index is not None else recommendation_index(recommendation))
        return dict(id=str(uuid.uuid4()), caller_name=caller_name, caller_role=caller_role, context_raw=context_raw,
                    recommendation_text=rec_text, hashed_context=hashed_context, hashed_rec=hashed_rec,
                    personal=personal, index=index, compact=recommendation,
                    packed=pack(context_raw, rec_text) if packed else None,   # compressed before the lock
                    format=FORMAT,
                    rulebase_version=rulebase_version, engine_version=engine_version)

    @contextlib.contextmanager
    def _appending(self) -> Iterator[Any]:
        """A transaction holding the log's write lock (BEGIN IMMEDIATE on SQLite; the head row is locked
        FOR UPDATE by _write on PostgreSQL)."""
        with self.engine.connect().execution_options(begin="IMMEDIATE") as conn, conn.begin():
            yield conn

    def _digests(self, conn: Any, versions: set[str]) -> dict[str, str | None]:
        """Each version's stored digest (None: not stored). A stored version's row is never changed nor
        deleted (store_rulebase refuses other files for it), so a digest once read is kept."""
        known = self._digest_cache
        for v in versions - known.keys():
            digest = conn.execute(select(RULEBASES.c.digest).where(RULEBASES.c.version == v)).scalar_one_or_none()
            if digest is not None:
                known[v] = digest
        return {v: known.get(v) for v in versions}

    @staticmethod
    def _write(conn: Any, items: list[dict[str, Any]], digests: dict[str, str | None]) -> list[dict[str, Any]]:
        """Chain `items` after the head, in order, insert them and move the head; the stored values of each."""
        if not items:
            return []
        head = conn.execute(select(HEAD.c.seq, HEAD.c.hash).where(HEAD.c.id == HEAD_ID).with_for_update()).one()
        seq, prev = head.seq, head.hash
        rows: list[dict[str, Any]] = []
        rule_rows: list[dict[str, Any]] = []
        out: list[dict[str, Any]] = []
        for item in items:
            seq += 1
            created_at = utc_naive(datetime.now(timezone.utc))
            personal = item["personal"]
            values = dict(seq=seq, id=item["id"], created_at=created_at, caller_name=item["caller_name"],
                          caller_role=item["caller_role"], context_raw=item["context_raw"],
                          recommendation=item["recommendation_text"], rulebase_version=item["rulebase_version"],
                          rulebase_digest=digests[item["rulebase_version"]], engine_version=item["engine_version"],
                          prev_hash=prev)
            values.update(language=item.get("language"), translations=item.get("translations"))
            values["hash"] = record_hash(**{**values, "context_raw": item["hashed_context"],
                                            "recommendation": item["hashed_rec"]},
                                         format=item["format"], personal=list(personal))
            values.update(format=item["format"], personal=canonical_json(personal) if personal else None,
                          packed=item["packed"])
            if item["packed"] is not None:
                values.update(context_raw="", recommendation="")
            index = item["index"]
            rows.append(dict(approach=index["approach"], city=index["city"], project_name=index["project_name"],
                             **values))
            rule_rows.extend({"decision_seq": seq, "rule_id": rule, "firings": n}
                             for rule, n in index["rules"].items())
            prev = values["hash"]
            out.append(values)
        conn.execute(insert(DECISIONS), rows)
        for values, item in zip(out, items):     # the caller reads the texts back (record() -> DecisionRecord)
            values.update(context_raw=item["context_raw"], recommendation=item["recommendation_text"], packed=None)
        if rule_rows:
            conn.execute(insert(RULES), rule_rows)
        # a decision asked for with an Idempotency-Key: the key in the decision's own transaction, so a retry finds
        # the decision (or, when the key is taken meanwhile, this decision is not written: IntegrityError)
        keyed = [{**item["idempotency"], "decision_id": item["id"], "status": 201, "created_at": values["created_at"]}
                 for item, values in zip(items, out) if item.get("idempotency")]
        if keyed:
            conn.execute(insert(IDEMPOTENCY), keyed)
        conn.execute(update(HEAD).where(HEAD.c.id == HEAD_ID).values(seq=seq, hash=prev))
        return out

    # -- idempotency keys (service/api/idempotency.py) ------------------------------
    def idempotent(self, caller_name: str, key: str) -> dict[str, Any] | None:
        """What the first request with this caller's key gave: {fingerprint, decision_id, status, response}."""
        c = IDEMPOTENCY.c
        with self.engine.connect() as conn:
            row = conn.execute(select(c.fingerprint, c.decision_id, c.status, c.response)
                               .where(c.caller_name == caller_name, c.key == key)).first()
        return None if row is None else dict(row._mapping)

    def remember_answer(self, caller_name: str, key: str, fingerprint: str, status: int, response: str) -> bool:
        """Keep the answer to the first request with this caller's key; False when the key was taken meanwhile."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(IDEMPOTENCY).values(caller_name=caller_name, key=key, fingerprint=fingerprint,
                                                        status=status, response=response,
                                                        created_at=utc_naive(datetime.now(timezone.utc))))
        except IntegrityError:
            return False
        return True

    # -- reading -----------------------------------------------------------------
    def _record(self, row: Any, recommendation: dict[str, Any] | None = None,
                rules: dict[str, int] | None = None, *, lazy: bool = False) -> DecisionRecord:
        """The record of a stored row, its recommendation in full (a compact one rendered: LogError when it
        cannot be); `recommendation` is the row's, already parsed. lazy=True: its texts are decompressed and
        its recommendation rendered only when read (a listing shows neither, so a record that cannot be
        rendered does not keep the others from being listed)."""
        get = row.get if isinstance(row, dict) else row._mapping.get
        version = get("rulebase_version")
        if lazy:
            stored = functools.cache(lambda: texts(row))

            def load_context() -> str:
                return stored()[0]

            def load_recommendation() -> dict[str, Any]:
                return self.expand(json.loads(stored()[1]), version)
        else:
            context_raw, rec_text = texts(row)
            full = self.expand(json.loads(rec_text) if recommendation is None else recommendation, version)
            load_context, load_recommendation = (lambda: context_raw), (lambda: full)
        return DecisionRecord(
            seq=get("seq"), id=get("id"), created_at=utc_aware(get("created_at")), caller_name=get("caller_name"),
            caller_role=get("caller_role"),
            rulebase_version=version, rulebase_digest=get("rulebase_digest"),
            engine_version=get("engine_version"), approach=get("approach"), city=get("city"),
            project_name=get("project_name"), prev_hash=get("prev_hash"), hash=get("hash"),
            fired_rules=rules or {}, format=get("format") or 1,
            personal=json.loads(get("personal")) if get("personal") else {},
            language=get("language"), translations=get("translations"),
            load_context=load_context, load_recommendation=load_recommendation)

    def _rules_of(self, conn, seqs: list[int]) -> dict[int, dict[str, int]]:
        out: dict[int, dict[str, int]] = {s: {} for s in seqs}
        if seqs:
            query = select(RULES).where(RULES.c.decision_seq.in_(seqs)).order_by(RULES.c.rule_id)
            for r in conn.execute(query):
                out[r.decision_seq][r.rule_id] = r.firings
        return out

    def stored_bytes(self, decision_id: str) -> int | None:
        """How many bytes the decision's texts take in the log as stored (packing.stored_bytes: compressed for
        a compact record), None when there is no such decision. The benchmarks measure records with it."""
        c = DECISIONS.c
        with self.engine.connect() as conn:
            row = conn.execute(select(c.context_raw, c.recommendation, c.packed).where(c.id == decision_id)).first()
        return None if row is None else stored_bytes(row)

    def get(self, decision_id: str) -> DecisionRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(DECISIONS).where(DECISIONS.c.id == decision_id)).first()
            if row is None:
                return None
            return self._record(row, rules=self._rules_of(conn, [row.seq])[row.seq])

    def _where(self, filters: DecisionFilter) -> list:
        c = DECISIONS.c
        where = []
        if (start := filters.start()) is not None:
            where.append(c.created_at >= utc_naive(start))
        if (end := filters.end()) is not None:
            bound, inclusive = end
            where.append(c.created_at <= utc_naive(bound) if inclusive else c.created_at < utc_naive(bound))
        if filters.approach:
            where.append(c.approach == filters.approach)
        if filters.rulebase_version:
            where.append(c.rulebase_version == filters.rulebase_version)
        if filters.city:
            where.append(c.city.in_(self._spellings(filters.city)))
        if filters.caller:
            where.append(c.caller_name == filters.caller)
        if filters.rule:
            where.append(c.seq.in_(select(RULES.c.decision_seq).where(RULES.c.rule_id == filters.rule)))
        return where

    def _spellings(self, city: str) -> list[str]:
        """The cities logged that are `city` written otherwise: the same without regard to case and accents
        (malmo, Malmö and MALMÖ are one city). Matched here, not in SQL: SQLite's lower() folds ASCII only,
        and neither database drops accents without an extension; the distinct cities are few (an index)."""
        wanted = _folded(city)
        with self.engine.connect() as conn:
            cities = conn.execute(select(DECISIONS.c.city).where(DECISIONS.c.city.is_not(None)).distinct()).scalars()
            return [name for name in cities if _folded(name) == wanted]

    def list(self, filters: DecisionFilter | Mapping[str, Any] | None = None, cursor: str | None = None,
             limit: int = 50) -> DecisionPage:
        """Decisions newest first; pass the page's next_cursor to get the next (older) page.

        `filters` may be a mapping of DecisionFilter's field names. Raises
        ValueError for an unknown filter or a cursor this store did not make.
        """
        limit = max(1, min(limit, MAX_PAGE))
        where = self._where(DecisionFilter.of(filters))
        if cursor:
            where.append(DECISIONS.c.seq < decode_cursor(cursor))
        query = select(DECISIONS).where(*where).order_by(DECISIONS.c.seq.desc()).limit(limit + 1)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
            more = len(rows) > limit
            rows = rows[:limit]
            rules = self._rules_of(conn, [r.seq for r in rows])
        items = [self._record(r, rules=rules[r.seq], lazy=True) for r in rows]   # rendered when read
        return DecisionPage(items, encode_cursor(items[-1].seq) if more else None)

    def count(self, filters: DecisionFilter | Mapping[str, Any] | None = None) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(DECISIONS)
                                .where(*self._where(DecisionFilter.of(filters)))).scalar_one()

    def rule_fire_counts(self, since: datetime | None = None) -> dict[str, int]:
        """How many decisions each rule fired in (rules that never fired are absent)."""
        query = select(RULES.c.rule_id, func.count().label("n")).group_by(RULES.c.rule_id)
        if since is not None:
            query = query.join(DECISIONS, DECISIONS.c.seq == RULES.c.decision_seq) \
                .where(DECISIONS.c.created_at >= utc_naive(since))
        with self.engine.connect() as conn:
            return {r.rule_id: r.n for r in conn.execute(query.order_by(RULES.c.rule_id))}

    # -- retention ---------------------------------------------------------------
    def apply_retention(self, before: datetime, batch: int = 200) -> int:
        """Remove the personal values of decisions made before `before`; returns how many changed.

        A record whose content no longer gives its hash (altered) is not erased,
        which would bury the evidence: LogError names it; earlier batches stay done.

        Each value is replaced by its commitment and its salt dropped, so the
        record's hash and the chain still verify (privacy.py). The searchable
        columns are re-derived from what remains.
        """
        changed, last = 0, 0
        while True:
            with self.engine.connect().execution_options(begin="IMMEDIATE") as conn, conn.begin():
                rows = conn.execute(select(DECISIONS)
                                    .where(DECISIONS.c.seq > last, DECISIONS.c.created_at < utc_naive(before),
                                           DECISIONS.c.personal.is_not(None))
                                    .order_by(DECISIONS.c.seq).limit(batch).with_for_update()).all()
                if not rows:
                    return changed
                last = rows[-1].seq
                for row in rows:
                    personal = json.loads(row.personal)
                    if isinstance(personal, dict) and all(salt is None for salt in personal.values()):
                        continue
                    if (problem := self._hash_problem(row)) is not None:   # erasing would bury the evidence
                        raise LogError(f"decision seq {row.seq}: {problem}; retention stopped there, see "
                                       "`cogov audit verify`")
                    context_raw, rec_text = texts(row)
                    doc, personal = erase({"context": json.loads(context_raw),
                                           "recommendation": json.loads(rec_text)}, personal)
                    index = derive_index(doc["context"], doc["recommendation"])
                    context_raw = canonical_json(doc["context"])
                    if row.packed is not None:      # compact: kept in the engine's key order (packing.py)
                        stored = dict(packed=pack(context_raw, compact_json(doc["recommendation"])))
                    else:
                        stored = dict(context_raw=context_raw, recommendation=canonical_json(doc["recommendation"]))
                    conn.execute(update(DECISIONS).where(DECISIONS.c.seq == row.seq).values(
                        **stored, personal=canonical_json(personal), approach=index["approach"], city=index["city"],
                        project_name=index["project_name"]))
                    conn.execute(RULES.delete().where(RULES.c.decision_seq == row.seq))
                    if index["rules"]:
                        conn.execute(insert(RULES), [{"decision_seq": row.seq, "rule_id": rule, "firings": n}
                                                     for rule, n in index["rules"].items()])
                    changed += 1

    # -- replaying (service.impact) ----------------------------------------------
    def select_newest(self, filters: DecisionFilter | Mapping[str, Any] | None = None,
                      limit: int | None = None) -> Selection:
        """Which decisions a run over the log examines: of those `filters` selects now, the newest `limit`
        (all when None), as a seq range with its first and last times, and how many matched."""
        c = DECISIONS.c
        where = self._where(DecisionFilter.of(filters))
        with self.engine.connect() as conn:
            last = conn.execute(select(func.max(c.seq)).where(*where)).scalar()
            if last is None:
                return Selection(0)
            matched = conn.execute(select(func.count()).select_from(DECISIONS).where(*where, c.seq <= last)
                                   ).scalar_one()
            if limit is None or matched <= limit:
                first = conn.execute(select(func.min(c.seq)).where(*where)).scalar_one()
            else:
                first = conn.execute(select(c.seq).where(*where, c.seq <= last).order_by(c.seq.desc())
                                     .offset(limit - 1).limit(1)).scalar_one()
            times = dict(conn.execute(select(c.seq, c.created_at).where(c.seq.in_([first, last]))).all())
        return Selection(matched, first, last, utc_aware(times[first]), utc_aware(times[last]))

    def iter_for_replay(self, filters: DecisionFilter | Mapping[str, Any] | None = None,
                        batch: int = 500, *, seqs: tuple[int, int] | None = None, rendered: bool = True
                        ) -> Iterator[list[tuple[str, str, str, str]]]:
        """Decisions in log order, in batches of (id, context_raw, recommendation JSON text,
        rulebase_version): only what re-evaluating needs, parsed by the caller, one batch
        in memory at a time (keyset paging on seq, so the log may grow meanwhile).
        `seqs` (first, last) bounds them, e.g. to a select_newest range. rendered=False gives each
        recommendation's text as stored (a compact one is not rendered), for a caller that renders only
        the records it needs (service/impact.py)."""
        c = DECISIONS.c
        last = seqs[0] - 1 if seqs else 0
        where = self._where(DecisionFilter.of(filters)) + ([c.seq <= seqs[1]] if seqs else [])
        while True:
            query = (select(c.seq, c.id, c.context_raw, c.recommendation, c.rulebase_version, c.format, c.packed)
                     .where(c.seq > last, *where).order_by(c.seq).limit(batch))
            with self.engine.connect() as conn:
                rows = conn.execute(query).all()
            if not rows:
                return
            yield [(r.id, *self._full_texts(r)) if rendered else (r.id, *texts(r), r.rulebase_version) for r in rows]
            last = rows[-1].seq

    def _full_texts(self, row: Any) -> tuple[str, str, str]:
        """(context_raw, full recommendation JSON text, rulebase_version) of a stored row: a compact
        recommendation rendered (LogError when it cannot be)."""
        context_raw, rec_text = texts(row)
        if row.format >= COMPACT_FORMAT:
            rec_text = compact_json(self.recommendation_of(rec_text, row.rulebase_version, row.format))
        return context_raw, rec_text, row.rulebase_version

    # -- verifying ---------------------------------------------------------------
    def _batches(self, size: int) -> Iterator[tuple[list[Row], dict[int, dict[str, int]]]]:
        last = 0
        while True:
            with self.engine.connect() as conn:
                rows = conn.execute(select(DECISIONS).where(DECISIONS.c.seq > last)
                                    .order_by(DECISIONS.c.seq).limit(size)).all()
                if not rows:
                    return
                yield rows, self._rules_of(conn, [r.seq for r in rows])
            last = rows[-1].seq

    def verify_record(self, seq: int, decision_id: str) -> str | None:
        """Why the record at `seq` does not verify in the hash chain, or None: the checks verify() makes
        of it (its hash over its content, its stored rule files' digest, its index columns, its link to the
        record before it), and the link of the record after it (whose own hash must hold), or of the log
        head when it is the last. Only the neighbours, so it costs no walk over the whole log: a record
        rewritten together with the next record's link and hash is caught by verify() (the whole chain),
        not here; one rewritten with every later record and the head by neither."""
        c = DECISIONS.c
        with self.engine.connect() as conn:
            rows = {r.seq: r for r in conn.execute(select(DECISIONS).where(c.seq >= seq - 1, c.seq <= seq + 1))}
            head = conn.execute(select(HEAD.c.seq, HEAD.c.hash).where(HEAD.c.id == HEAD_ID)).first()
            rules = self._rules_of(conn, [seq])[seq]
        row = rows.get(seq)
        if row is None or row.id != decision_id:
            return f"the log no longer holds this record at seq {seq} (deleted or replaced)"
        before = rows.get(seq - 1)
        if seq > 1 and before is None:
            return f"record {seq - 1} before it is missing (deleted)"
        problem = self._check(row, rules, seq, before.hash if before is not None else GENESIS_HASH, {})
        if problem is not None:
            return problem
        after = rows.get(seq + 1)
        if after is not None:
            if after.prev_hash != row.hash:
                return f"the record after it (seq {seq + 1}) does not link to its hash (this record was altered)"
            if (problem := self._hash_problem(after)) is not None:
                return f"the record after it (seq {seq + 1}) does not verify: {problem}"
            return None
        if head is None:
            return "the log head row is missing"
        if head.seq > seq:
            return f"record {seq + 1} after it is missing (deleted)"
        if head.seq != seq or head.hash != row.hash:
            return "the log head does not match it, the last record (head or record altered)"
        return None

    def verify(self, batch: int = 500) -> VerifyResult:
        """Walk the decisions' chain from the start (each decision's stored rule base files and translations
        with it), then every stored translations version's files, then the activations' chain, then the
        evaluations' one (service/log/evaluations.py); stop at the first record that does not verify."""
        words: dict[str, str | None] = {}
        result = self._verify_decisions(batch, words)
        if not result.ok:
            return dataclasses.replace(result, chain="decisions", decision_id=result.first_bad_id)
        translations, bad = self._verify_translations(words)
        if bad is not None:     # a version no decision used (one a decision used is that decision's finding)
            return VerifyResult(False, result.count, reason=bad[1], translations=translations,
                                first_bad_translations=bad[0])
        count, problem, bad = self._verify_activations()
        if problem is not None:
            return VerifyResult(False, result.count, reason=problem, translations=translations, activations=count,
                                first_bad_activation=bad, chain="activations")
        evaluated, problem, bad = self.evaluations.verify()
        if problem is None:
            return VerifyResult(True, result.count, activations=count, evaluations=evaluated,
                                translations=translations)
        named = self.evaluations.ids_at(bad) if bad is not None else None   # the row at that position, if any
        return VerifyResult(False, result.count, reason=problem, translations=translations, activations=count,
                            evaluations=evaluated, first_bad_evaluation=bad, chain="evaluations", evaluation_id=named and named[0],
                            decision_id=named and named[1])

    def heads(self) -> dict[str, Any]:
        """The three chains' heads read in one transaction: {"decisions": {"seq", "hash", "created_at"},
        "activations": {"seq", "hash"}, "evaluations": {"seq", "hash"}} (created_at: the last decision's
        time, None when there is none; a log that predates the evaluations' tables has the genesis head)."""
        evaluations = self.evaluations.present()
        snapshot = {} if self.engine.dialect.name == "sqlite" else {"isolation_level": "REPEATABLE READ"}
        # one snapshot, not the write lock (an auditor may hold read access only): SQLite's WAL reader sees
        # one state from its first read on; PostgreSQL's REPEATABLE READ does the same
        with self.engine.connect().execution_options(**snapshot) as conn, conn.begin():
            head = conn.execute(select(HEAD.c.seq, HEAD.c.hash).where(HEAD.c.id == HEAD_ID)).one()
            ahead = conn.execute(select(ACTIVATION_HEAD.c.seq, ACTIVATION_HEAD.c.hash)
                                 .where(ACTIVATION_HEAD.c.id == HEAD_ID)).one()
            last = conn.execute(select(DECISIONS.c.created_at).where(DECISIONS.c.seq == head.seq)).scalar()
            ehead = conn.execute(select(EVALUATION_HEAD.c.seq, EVALUATION_HEAD.c.hash)
                                 .where(EVALUATION_HEAD.c.id == HEAD_ID)).one() if evaluations else None
        return {"decisions": {"seq": head.seq, "hash": head.hash,
                              "created_at": timestamp(last) if last is not None else None},
                "activations": {"seq": ahead.seq, "hash": ahead.hash},
                "evaluations": {"seq": ehead.seq, "hash": ehead.hash} if ehead is not None
                else {"seq": 0, "hash": GENESIS_HASH}}

    def hash_at(self, chain: str, seq: int) -> str | None:
        """The stored hash of the record at `seq` in `chain` ("decisions", "activations" or "evaluations";
        seq 0 is the genesis), or None when there is none."""
        tables = {"decisions": DECISIONS, "activations": ACTIVATIONS, "evaluations": EVALUATIONS}
        if chain not in tables:
            raise ValueError(f"chain must be one of {', '.join(tables)}, not {chain!r}")
        if seq == 0:
            return GENESIS_HASH
        table = tables[chain]
        if table is EVALUATIONS and not self.evaluations.present():
            return None
        with self.engine.connect() as conn:
            return conn.execute(select(table.c.hash).where(table.c.seq == seq)).scalar()

    def _verify_activations(self) -> tuple[int, str | None, int | None]:
        """(activations that verify, why the first bad one does not or None, its seq): each activation's
        position, link and hash in order, then the head. Few rows: read at once."""
        with self.engine.connect() as conn:
            head = conn.execute(select(ACTIVATION_HEAD.c.seq, ACTIVATION_HEAD.c.hash)
                                .where(ACTIVATION_HEAD.c.id == HEAD_ID)).first()
            rows = conn.execute(select(ACTIVATIONS).order_by(ACTIVATIONS.c.seq)).all()
        if head is None:
            return 0, "the activations' head row is missing", None
        prev, count = GENESIS_HASH, 0
        for row in rows:
            name = f"activation {row.seq} (id {row.id}: {row.action} of {row.version} by {row.activated_by} " \
                   f"at {timestamp(row.activated_at)})"
            expected = count + 1
            if row.seq != expected:
                missing = f"{expected}" if row.seq == expected + 1 else f"{expected}..{row.seq - 1}"
                return count, f"{name} follows activation {expected - 1}: activation(s) {missing} are missing " \
                              "(deleted)", row.seq
            if row.prev_hash != prev:
                return count, f"{name}: its prev_hash does not match the previous activation's hash (the " \
                              "previous activation was altered or replaced)", row.seq
            digest = activation_hash(seq=row.seq, version=row.version, activated_at=row.activated_at,
                                     activated_by=row.activated_by, action=row.action, note=row.note,
                                     prev_hash=row.prev_hash)
            if digest != row.hash:
                return count, f"{name}: its content does not match its hash (the activation was altered)", row.seq
            if row.seq > head.seq:
                return count, f"{name} is past the activations' head (seq {head.seq}): it was inserted", row.seq
            prev, count = row.hash, expected
        if head.seq > count:
            missing = f"{count + 1}" if head.seq == count + 1 else f"{count + 1}..{head.seq}"
            return count, f"the activations end at seq {count} but their head says {head.seq}: activation(s) " \
                          f"{missing} were deleted", count + 1
        if head.hash != prev:
            return count, f"the activations' head does not match activation {count}, the last (head or last " \
                          "activation altered)", count
        return count, None, None

    def _verify_decisions(self, batch: int, words: dict[str, str | None]) -> VerifyResult:
        with self.engine.connect() as conn:
            head = conn.execute(select(HEAD.c.seq, HEAD.c.hash).where(HEAD.c.id == HEAD_ID)).first()
        if head is None:
            return VerifyResult(False, 0, reason="the log head row is missing")
        digests: dict[str, str | None] = {}
        prev_hash, expected, count = GENESIS_HASH, 1, 0
        for rows, rules in self._batches(batch):
            for row in rows:
                problem = self._check(row, rules[row.seq], expected, prev_hash, digests, words)
                if problem:
                    return VerifyResult(False, count, row.id, row.seq, problem)
                prev_hash, expected, count = row.hash, expected + 1, count + 1
        if head.seq > count:
            missing = f"{count + 1}" if head.seq == count + 1 else f"{count + 1}..{head.seq}"
            return VerifyResult(False, count, None, count + 1,
                                f"the log ends at seq {count} but its head says {head.seq}: "
                                f"record(s) {missing} were deleted")
        if head.seq != count or head.hash != prev_hash:
            return VerifyResult(False, count, None, head.seq,
                                "the log head does not match the last record (head or last record altered)")
        return VerifyResult(True, count)

    @staticmethod
    def _hash_problem(row: Row) -> str | None:
        """Why this record's content does not give its hash, or None."""
        content = {k: getattr(row, k) for k in ("seq", "id", "created_at", "caller_name", "caller_role",
                                                "rulebase_version", "rulebase_digest", "engine_version", "prev_hash",
                                                "language", "translations")}
        try:
            content["context_raw"], content["recommendation"] = texts(row)
            personal = json.loads(row.personal) if row.personal else {}
            if not isinstance(personal, dict):
                raise ValueError("personal is not a mapping")
            content["context_raw"], content["recommendation"] = committed_texts(
                content["context_raw"], content["recommendation"], personal)
            expected_hash = record_hash(**content, format=row.format, personal=list(personal))
        except (ValueError, TypeError, AttributeError) as exc:
            return f"its personal fields do not fit its content ({exc}): the record was altered"
        if expected_hash != row.hash:
            return "its content does not match its hash (the record was altered)"
        return None

    def _check(self, row: Row, rules: dict[str, int], expected: int, prev_hash: str,
               digests: dict[str, str | None], words: dict[str, str | None] | None = None) -> str | None:
        """Why this record does not verify, or None. `digests` and `words` keep what was found of each
        rule base version's stored files and each translations version's (why it does not verify, or None)
        over a walk."""
        if row.seq != expected:
            missing = f"{expected}" if row.seq == expected + 1 else f"{expected}..{row.seq - 1}"
            return f"seq {row.seq} follows seq {expected - 1}: record(s) {missing} are missing (deleted)"
        if row.prev_hash != prev_hash:
            return "its prev_hash does not match the previous record's hash (the previous record was altered " \
                   "or replaced)"
        if (problem := self._hash_problem(row)) is not None:
            return problem
        if row.rulebase_version not in digests:
            stored = self.get_rulebase(row.rulebase_version)
            digests[row.rulebase_version] = rulebase_digest(stored.files) if stored else None
        actual = digests[row.rulebase_version]
        if actual is None:
            return f"rule base {row.rulebase_version} it was made with is not stored"
        if actual != row.rulebase_digest:
            return f"the stored files of rule base {row.rulebase_version} were altered since this decision"
        if row.translations is not None:    # the words it was answered in, shown as its original wording
            words = {} if words is None else words
            if row.translations not in words:
                stored = self._translations_row(row.translations)
                words[row.translations] = self._translations_problem(row.translations, stored)[1] \
                    if stored is not None else None
            if words[row.translations] is not None:
                return f"{words[row.translations]} since this decision was answered with them"
        try:
            context_raw, rec_text = texts(row)
            recommendation = json.loads(rec_text)
            index = derive_index(json.loads(context_raw), recommendation)
        except (ValueError, TypeError, AttributeError, KeyError):
            return "its context or recommendation is not the JSON it was recorded as"
        if row.format >= COMPACT_FORMAT:
            if not is_compact(recommendation):
                return f"it is a format {row.format} record but its recommendation is not compact"
            try:        # a compact record must render from its rule base version, now and later
                self.expand(recommendation, row.rulebase_version)
            except LogError as exc:
                return f"its compact recommendation cannot be rendered: {exc}"
        for name in ("approach", "city", "project_name"):
            if index[name] != getattr(row, name):
                return f"its {name} column does not match its content (index altered)"
        if index["rules"] != rules:
            return "its fired-rules index does not match its explanation (index altered)"
        return None
