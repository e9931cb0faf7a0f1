"""The project context a manager submits: cogov's public input contract.

This module is the single source of truth for the context. The rule
language's field names, the ordinal scales, the JSON schema served by the API
and the manager's form are all derived from these models.
"""
from __future__ import annotations

from enum import Enum
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StringConstraints, ValidationError,
                      WrapValidator, field_validator, model_validator)
from pydantic.json_schema import DEFAULT_REF_TEMPLATE, GenerateJsonSchema
from pydantic_core import InitErrorDetails, PydanticCustomError


class Ordinal(str, Enum):
    """An enum whose members are ordered as declared (low < medium < high)."""

    @classmethod
    def rank(cls, value: str) -> int:
        """1-based position of a member; rules compare these ranks."""
        return [m.value for m in cls].index(value) + 1


class Level(Ordinal):
    """An ordered level: low < medium < high."""

    low = "low"
    medium = "medium"
    high = "high"


class PublicSize(Ordinal):
    """The size of a public, ordered: small (up to 30 people) < medium < large < city_wide."""

    small = "small"
    medium = "medium"
    large = "large"
    city_wide = "city_wide"


class Scope(Ordinal):
    """A geographical scope, ordered: site < neighbourhood < district < city < region < national."""

    site = "site"
    neighbourhood = "neighbourhood"
    district = "district"
    city = "city"
    region = "region"
    national = "national"


class DigitalAccess(Ordinal):
    """Digital access and skills, ordered: low < mixed < high."""

    low = "low"
    mixed = "mixed"
    high = "high"


class IAP2Level(Ordinal):
    """The IAP2 spectrum of public participation, ordered: inform < consult < involve < collaborate < empower."""

    inform = "inform"
    consult = "consult"
    involve = "involve"
    collaborate = "collaborate"
    empower = "empower"


class Domain(str, Enum):
    """The service domain of a project."""

    mobility = "mobility"
    energy = "energy"
    environment = "environment"
    public_space = "public_space"
    culture_heritage = "culture_heritage"
    health_social_care = "health_social_care"
    education = "education"
    safety = "safety"
    digital_government = "digital_government"
    housing = "housing"
    other = "other"


class Phase(str, Enum):
    """A co-production activity (Bovaird & Loeffler's four Co's)."""

    co_commissioning = "co_commissioning"
    co_design = "co_design"
    co_delivery = "co_delivery"
    co_assessment = "co_assessment"


class Contribution(str, Enum):
    """What a co-producing group brings (Loeffler & Bovaird 2020): its time as volunteers, reports, data,
    running part of the service, expertise, or resources such as premises or equipment."""
    time = "time"
    reports = "reports"
    data = "data"
    running_service = "running_service"
    expertise = "expertise"
    resources = "resources"


class Objective(str, Enum):
    """What the manager wants from participation: efficiency (involve the public as little as the decision
    allows) or capacity_building (as much as it allows)."""

    efficiency = "efficiency"
    capacity_building = "capacity_building"


class Organisation(str, Enum):
    """How a public is organised: in groups, as unorganised individuals, or mixed."""

    organised = "organised"
    unorganised = "unorganised"
    mixed = "mixed"


class StakeholderKind(str, Enum):
    """What kind of group a stakeholder is."""

    citizens = "citizens"
    civil_society = "civil_society"
    business = "business"
    research = "research"
    public_authority = "public_authority"
    utility = "utility"
    media = "media"
    other = "other"


def _storable(value: str) -> str:
    """Every text of a context is kept in the decision log, and PostgreSQL's text columns refuse NUL (SQLite
    takes it): refused here, so both backends answer alike and one request never fails a group commit's
    others. (A lone surrogate, e.g. a JSON "\\ud800", pydantic refuses itself: string_unicode.)"""
    if "\x00" in value:
        raise PydanticCustomError("nul_character",
                                  "contains a NUL character (\\u0000), which the decision log cannot store")
    return value


Storable = AfterValidator(_storable)
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), Storable]
LongText = Annotated[str, StringConstraints(max_length=2000), Storable]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), Storable]
StakeholderId = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=True, frozen=True)


class Project(_Section):
    """What the project is and what the manager wants from participation."""

    name: Name = Field(
        description="Name of the project or service.")
    city: Text | None = Field(None, description="City running the project.")
    domain: Domain = Field(Domain.other, description="Service domain.")
    phase: Phase | None = Field(
        None, description="Co-production phase the decision belongs to (Bovaird & Loeffler's four Co's); "
        "absent when not yet known. One activity: without `activities` it means activities [phase].")
    activities: list[Phase] | None = Field(
        None, max_length=4, description="The co-production activities the project spans (Bovaird & Loeffler's four Co's), "
        "e.g. [co_design, co_delivery]; each at most once; when given, it includes `phase`. Absent: [phase], or "
        "none when the phase is not known either. Rules test it with `project.activities contains VALUE`.")
    scope: Scope | None = Field(
        None, description="Geographical scope of the decision, ordered site < neighbourhood < district < city "
        "< region < national; absent when not known.")
    arena: Text | None = Field(None, description="The place or arena where co-production happens (free text).")
    objective: Objective = Field(
        Objective.efficiency, description="efficiency: involve the public as little as the decision allows "
        "(Thomas's time-efficient choice); capacity_building: as much as it allows (development-oriented).")

    @model_validator(mode="after")
    def _activities_hold_phase(self) -> "Project":
        """`phase` is one activity, so a project stating both must not contradict itself."""
        if self.activities is not None:
            if len(set(self.activities)) != len(self.activities):
                raise _field_error("activities", "duplicate_activity", "lists an activity more than once")
            if self.phase is not None and self.phase not in self.activities:
                raise _field_error("phase", "phase_not_in_activities",
                                   "the phase must be one of project.activities")
        return self

    def effective_activities(self) -> tuple[str, ...]:
        """The activities rules see: `activities`, else [phase], in the four Co's order."""
        given = self.activities if self.activities is not None else ([self.phase] if self.phase else [])
        return tuple(m.value for m in Phase if m.value in given)


UNKNOWN = "unknown"


def _one_answer_error(value: Any, handler: Any) -> Any:
    """One error for a bad answer, not one per member of the union (a boolean, or "unknown")."""
    if value is True or value is False or value == UNKNOWN:
        return handler(value)
    raise PydanticCustomError("answer_type", 'answer true (yes), false (no) or "unknown", not {value}',
                              {"value": repr(value)})


# A yes/no answer of the decision, or "unknown" when the manager does not know it yet (engine/unknowns.py)
Answer = Annotated[StrictBool | Literal["unknown"], WrapValidator(_one_answer_error)]


class Decision(_Section):
    """Thomas's seven questions about the decision, plus optional qualifiers. Each yes/no answer may also be
    "unknown": the recommendation then says whether it changes the approach, the approach under each
    answer and which to find out first, and works meanwhile with the answer the rule base's policy assumes."""

    quality_requirement: Answer = Field(
        description="Must the decision meet technical, legal or budgetary quality constraints?")
    manager_has_information: Answer = Field(
        description="Does the manager have enough information to make a high-quality decision alone?")
    problem_structured: Answer = Field(
        description="Is the problem structured (alternatives known, not open to redefinition)?")
    acceptance_critical: Answer = Field(
        description="Is public acceptance critical to effective implementation?")
    acceptance_likely_if_autonomous: Answer = Field(
        description="If the manager decided alone, would the public reasonably certainly accept it?")
    public_shares_goals: Answer = Field(
        description="Does the relevant public share the agency's goals for this problem?")
    public_conflict_likely: Answer = Field(
        description="Is conflict within the public over the preferred solution likely?")
    legally_mandated_consultation: Answer = Field(
        False, description="Does law or regulation require a formal public consultation?")
    urgency: Level | None = Field(None, description="How urgent the decision is; absent when not stated.")
    technical_complexity: Level | None = Field(
        None, description="How technical the issue is; absent when not stated.")
    uses_personal_data: Answer = Field(
        False, description="Does the service or the participation process process personal data?")
    delegated_within_constraints: Answer = Field(
        False, description="Does the authority delegate this decision to the public within stated constraints "
        "(a binding budget within its envelope, a plan within legal limits), committing to implement what the "
        "public decides? When true, `constraints` says what they are.")
    constraints: LongText | None = Field(
        None, description="The constraints within which the decision is shared or delegated, as the public will "
        "be told them up front (the budget envelope, legal limits, technical standards); required when "
        "`delegated_within_constraints` is true. Not read by rules.")

    # the JSON Schema says what _delegation_states_constraints checks
    model_config = ConfigDict(**_Section.model_config, json_schema_extra={
        "if": {"required": ["delegated_within_constraints"],
               "properties": {"delegated_within_constraints": {"const": True}}},
        "then": {"required": ["constraints"], "properties": {"constraints": {"type": "string", "minLength": 1}}}})

    @model_validator(mode="after")
    def _delegation_states_constraints(self) -> "Decision":
        """Thomas: authority is shared within constraints stated up front, so a delegation must say them."""
        if self.delegated_within_constraints is True and not self.constraints:
            raise _field_error("constraints", "constraints_missing", "state the constraints within which the "
                               "decision is delegated (e.g. the budget envelope and legal limits)")
        return self


class Public(_Section):
    """The relevant public as a whole."""

    size: PublicSize = Field(
        description="How many people the relevant public counts: small (up to 30 people), medium, large, "
        "city_wide; ordered.")
    digital_access: DigitalAccess = Field(
        description="Digital access and skills of the relevant public, ordered low < mixed < high.")
    organisation: Organisation = Field(
        description="Is the public organised in groups, unorganised individuals, or mixed?")
    trust_in_authority: Level = Field(description="The public's trust in the authority.")
    hard_to_reach_groups: StrictBool = Field(
        description="Does the public include hard-to-reach groups (elderly, migrants, isolated, low income)?")


# the decision's yes/no answers, each of which may be "unknown", as rules name them (in the schema's order)
UNKNOWABLE: tuple[str, ...] = tuple(
    f"decision.{name}" for name, info in Decision.model_fields.items()
    if any(get_origin(arg) is Literal and UNKNOWN in get_args(arg) for arg in get_args(info.annotation)))


def _field_error(name: str, kind: str, message: str) -> ValidationError:
    """A validation error located at one field of the model being validated (e.g. project.phase)."""
    return ValidationError.from_exception_data("field", [InitErrorDetails(
        type=PydanticCustomError(kind, message), loc=(name,), input=None)])


class CoProduction(_Section):
    """One activity a stakeholder group co-produces in, and what it contributes there."""

    activity: Phase = Field(description="The co-production activity (co_commissioning, co_design, co_delivery, "
                            "co_assessment).")
    contributes: Contribution | None = Field(
        None, description="What the group brings: time (volunteering), reports, data, running_service (runs "
        "part of the service), expertise, resources; absent when not stated.")


class Stakeholder(_Section):
    """One stakeholder group, described for a power/interest and salience analysis."""

    id: StakeholderId = Field(description="Unique short id (lowercase letters, digits, _ and -).")
    name: Name = Field(
        description="Display name of the group.")
    kind: StakeholderKind = Field(description="What kind of group it is.")
    power: Level = Field(description="Power over the decision or its implementation (Mendelow).")
    interest: Level = Field(description="Interest in the decision (Mendelow).")
    legitimate: StrictBool = Field(False, description="Has a legitimate claim (Mitchell, Agle & Wood).")
    urgent: StrictBool = Field(False, description="Its claim calls for immediate attention (Mitchell, Agle & Wood).")
    affected: StrictBool = Field(False, description="Is directly affected by the decision.")
    organised: StrictBool = Field(False, description="Is represented by an organisation that can speak for it.")
    hard_to_reach: StrictBool = Field(False, description="Is hard to reach through ordinary channels.")
    holds_information: StrictBool = Field(False, description="Holds information the manager needs.")
    can_obstruct: StrictBool = Field(False, description="Can obstruct the decision or its implementation if left out.")
    co_produces: list[CoProduction] = Field(
        default_factory=list, max_length=16, description="Activities the group co-produces in, and how, e.g. [{activity: "
        "co_delivery, contributes: time}]. Empty: not stated (rules then apply their defaults). Rules read it as "
        "`stakeholder.co_produces` (the activities) and `stakeholder.contributes` (what it brings).")

    def co_produced(self) -> tuple[str, ...]:
        """The activities this group co-produces in, in the four Co's order."""
        given = {c.activity for c in self.co_produces}
        return tuple(m.value for m in Phase if m.value in given)

    def contributions(self) -> tuple[str, ...]:
        """What this group contributes across its activities, in declaration order of Contribution."""
        given = {c.contributes for c in self.co_produces if c.contributes is not None}
        return tuple(m.value for m in Contribution if m.value in given)


class Capacity(_Section):
    """The city team's capacity to run co-production."""

    facilitation_skills: Level = Field(description="Facilitation skills available to the team.")
    engagement_budget: Level = Field(description="Budget available for engagement.")
    political_support: Level = Field(description="Political support for sharing decisions with the public.")
    digital_platform_available: StrictBool = Field(False, description="A digital participation platform is available.")
    prior_coproduction_experience: StrictBool = Field(False, description="The team has co-produced services before.")


MAX_STAKEHOLDERS = 200


class ProjectContext(BaseModel):
    """A project's context, as a manager submits it."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True, frozen=True,
                              json_schema_extra={"title": "Project context"})

    project: Project = Field(description="What the project is and what the manager wants from participation.")
    decision: Decision = Field(description="The decision to share (or not): Thomas's questions about it.")
    public: Public = Field(description="The relevant public as a whole.")
    stakeholders: Annotated[list[Stakeholder], Field(min_length=1, max_length=MAX_STAKEHOLDERS)] = Field(
        description="The stakeholder groups (at least one, ids unique).")
    capacity: Capacity = Field(description="The city team's capacity to run co-production.")
    notes: dict[Annotated[str, StringConstraints(max_length=200), Storable], LongText] = Field(
        default_factory=dict, max_length=200,
        description="Free notes keyed by field path, e.g. marking a value as assumed. Not read by rules.")

    def unknown_answers(self) -> list[str]:
        """The decision's answers given as "unknown", by path (decision.public_shares_goals), in schema order."""
        return [path for path in UNKNOWABLE if getattr(self.decision, path.split(".")[1]) == UNKNOWN]

    @field_validator("stakeholders")
    @classmethod
    def _unique_stakeholder_ids(cls, groups: list[Stakeholder]) -> list[Stakeholder]:
        """Ids name groups in the recommendation, so each must be unique; the
        error points at the repeated id's own path (stakeholders[i].id)."""
        seen: set[str] = set()
        errors = []
        for i, s in enumerate(groups):
            if s.id in seen:
                errors.append(InitErrorDetails(
                    type=PydanticCustomError("duplicate_id", "stakeholder id '{id}' is used more than once",
                                             {"id": s.id}), loc=(i, "id"), input=s.id))
            seen.add(s.id)
        if errors:
            raise ValidationError.from_exception_data("stakeholders", errors)
        return groups

    @model_validator(mode="after")
    def _co_production_within_activities(self) -> "ProjectContext":
        """A group co-produces in one of the project's activities: naming another is a mistake, named at
        stakeholders[i].co_produces[j].activity."""
        activities = set(self.project.effective_activities())
        errors = [InitErrorDetails(
            type=PydanticCustomError("activity_not_in_project",
                                     "{activity} is not one of the project's activities ({known})",
                                     {"activity": c.activity, "known": ", ".join(sorted(activities)) or "none"}),
            loc=("stakeholders", i, "co_produces", j, "activity"), input=c.activity)
            for i, s in enumerate(self.stakeholders) for j, c in enumerate(s.co_produces)
            if c.activity not in activities]
        if errors:
            raise ValidationError.from_exception_data("ProjectContext", errors)
        return self


SECTION_MODELS: dict[str, type[_Section]] = {
    "project": Project, "decision": Decision, "public": Public, "capacity": Capacity,
}


def field_enum(model: type[BaseModel], name: str) -> tuple[str, Any]:
    """(kind, enum-or-None) of a field: kind is bool, str, ordinal, nominal or set (a list of enum values). A
    yes/no answer that may be "unknown" is a bool: rules only ever see it answered (engine/unknowns.py)."""
    annotation = model.model_fields[name].annotation
    args = getattr(annotation, "__args__", None) or (annotation,)
    for arg in args:
        if get_origin(arg) is Annotated:      # e.g. StrictBool inside `StrictBool | Literal["unknown"]`
            arg = arg.__origin__
        if get_origin(arg) is list:
            inner = getattr(arg, "__args__", (None,))[0]
            if isinstance(inner, type) and issubclass(inner, Enum):
                return "set", inner
            continue
        if isinstance(arg, type) and issubclass(arg, Ordinal):
            return "ordinal", arg
        if isinstance(arg, type) and issubclass(arg, Enum):
            return "nominal", arg
        if arg is bool:
            return "bool", None
    return "str", None


# -- the published JSON Schema: the verdicts validation gives, in JSON Schema's words ----------------------
CONTEXT_SCHEMA_ID = "urn:cogov:schema:project-context:v1"
# What validation strips from names and short texts (pydantic trims Unicode White_Space, as Rust's trim does:
# not U+001C..U+001F, which Python's str.strip would), spelled out so that every regex dialect agrees
_SPACE = "\\t\\n\\x0b\\x0c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
_NOT_STORABLE = "\\x00"
CANNOT_EXPRESS = (
    "What this schema cannot say, and the service still checks: stakeholder ids are unique (a repeated id is "
    "refused, naming stakeholders[i].id); no key appears twice in one JSON object; texts are valid Unicode (no "
    "lone surrogate such as \\ud800); and the whole request body is at most the service's limit (262144 bytes "
    "unless the operator configures another; 413 beyond). Names and short texts are trimmed of surrounding "
    "white space before their length is checked, as their patterns say.")


def _trimmed(min_length: int, max_length: int | None) -> str:
    """A pattern for a text that, once trimmed of surrounding white space, has min..max characters, no NUL."""
    space, solid, any_ = f"[{_SPACE}]", f"[^{_NOT_STORABLE}{_SPACE}]", f"[^{_NOT_STORABLE}]"
    inner = f"{any_}{{0,{max_length - 2}}}" if max_length is not None else f"{any_}*"
    body = f"{solid}(?:{inner}{solid})?" if max_length is None or max_length >= 2 else solid
    if min_length == 0:
        body = f"(?:{body})?"
    return f"^{space}*{body}{space}*$"


class _ContextJsonSchema(GenerateJsonSchema):
    """The context's schema with validation's own rules where pydantic's default says less: a trimmed text's
    limits as a pattern (maxLength would count the blanks validation strips), NUL refused in every text
    the log keeps, and `$` meaning the end of the text (Python's regex also lets it match before a final
    newline)."""

    _storable = 0

    def function_after_schema(self, schema: Any) -> Any:
        if schema["function"].get("function") is _storable:
            self._storable += 1
            try:
                inner = self.generate_inner(schema["schema"])
            finally:
                self._storable -= 1
            if "pattern" not in inner:
                inner["pattern"] = f"^[^{_NOT_STORABLE}]*$"
            return inner
        return super().function_after_schema(schema)

    def literal_schema(self, schema: Any) -> Any:
        """One allowed value as a one-value `enum`, not `const`: the same verdicts, and client generators
        (openapi-python-client) parse a union holding it (yes/no or "unknown") instead of failing on it."""
        out = super().literal_schema(schema)
        if "const" in out:
            out["enum"] = [out.pop("const")]
        return out

    def str_schema(self, schema: Any) -> Any:
        out = super().str_schema(schema)
        if schema.get("strip_whitespace"):
            low, high = schema.get("min_length") or 0, schema.get("max_length")
            out.pop("minLength", None)
            out.pop("maxLength", None)
            out["pattern"] = _trimmed(low, high)
            limit = f"{low} to {high}" if low else f"at most {high}"
            out["$comment"] = f"{limit} characters once trimmed of surrounding white space; no NUL"
        elif "pattern" in out and out["pattern"].endswith("$"):
            out["not"] = {"pattern": "\\n"}
        return out


def context_json_schema(ref_template: str = DEFAULT_REF_TEMPLATE) -> dict[str, Any]:
    """The JSON Schema (2020-12) of the project context, with `$schema` and `$id`: for every value, the verdict
    validate_context gives (tests/service/test_svc_contract_context_schema.py feeds both the same contexts),
    except what CANNOT_EXPRESS lists, which its description says."""
    schema = ProjectContext.model_json_schema(ref_template=ref_template, schema_generator=_ContextJsonSchema)
    defs = schema.get("$defs", {})
    project = defs.get("Project", {}).get("properties", {})
    for member in project.get("activities", {}).get("anyOf", ()):
        if member.get("type") == "array":
            member["uniqueItems"] = True
    phases = [p.value for p in Phase]
    if "Project" in defs:   # a stated phase is one of the stated activities
        defs["Project"]["allOf"] = [{"if": {"required": ["phase", "activities"], "properties": {
            "phase": {"const": p}, "activities": {"type": "array"}}},
            "then": {"properties": {"activities": {"contains": {"const": p}}}}} for p in phases]
    # a group co-produces only in one of the project's activities (activities, else [phase]): for each activity,
    # the project has it or no group names it (an if/else would say the same; fuzzers' generators take this form)
    schema["allOf"] = [{"anyOf": [
        {"properties": {"project": {"anyOf": [
            {"required": ["activities"], "properties": {"activities": {"type": "array", "contains": {"const": p}}}},
            {"required": ["phase"], "properties": {"phase": {"const": p}, "activities": {"type": "null"}}}]}}},
        {"properties": {"stakeholders": {"items": {"properties": {"co_produces": {"items": {
            "properties": {"activity": {"not": {"const": p}}}}}}}}}}]} for p in phases]
    schema["description"] = f"{schema.get('description', '')} {CANNOT_EXPRESS}".strip()
    for definition in [schema, *defs.values()]:
        for prop in definition.get("properties", {}).values():
            _limits_in_words(prop)
            _keys_checked(prop)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": CONTEXT_SCHEMA_ID, **schema}


def _limits_in_words(prop: dict[str, Any]) -> None:
    """A trimmed text's limits (noted by _ContextJsonSchema) said in its property's description."""
    for member in [prop, *prop.get("anyOf", ())]:
        note = member.pop("$comment", None)
        if note is not None:
            prop["description"] = f"{prop.get('description', '').rstrip('.')} ({note}).".lstrip(" (")


def _keys_checked(prop: dict[str, Any]) -> None:
    """A mapping whose keys have a pattern: pydantic writes it as patternProperties, which lets a key that does
    not match through with any value; validation refuses such a key, so the key's pattern goes to
    propertyNames and the value's schema applies to every key."""
    patterns = prop.get("patternProperties")
    if prop.get("type") == "object" and patterns and len(patterns) == 1:
        (pattern, value), = patterns.items()
        del prop["patternProperties"]
        prop.setdefault("propertyNames", {})["pattern"] = pattern
        prop["additionalProperties"] = value
