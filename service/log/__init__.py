"""The decision log: an append-only, hash-chained record of every decision."""
from service.log.db import DatabaseError
from service.log.records import (DecisionFilter, DecisionPage, DecisionRecord, StoredRuleBase, VerifyResult,
                                 decode_cursor, encode_cursor)
from service.log.store import DecisionStore, LogError

__all__ = ["DatabaseError", "DecisionFilter", "DecisionPage", "DecisionRecord", "DecisionStore", "LogError",
           "StoredRuleBase", "VerifyResult", "decode_cursor", "encode_cursor"]
