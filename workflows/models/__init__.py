"""SQLAlchemy models, one module per aggregate; importing this registers them all."""
from workflows.models.applications import (
    AffectedGrant,
    AffectedStatus,
    Application,
    ApplicationStatus,
    ApprovalRecord,
    Attachment,
    CallFrequency,
    Grant,
    GrantStatus,
    PendingUpload,
    RejectionCategory,
    effective_grant_status,
)
from workflows.models.audit import AuditEvent
from workflows.models.calendar import CalendarDay, DayKind
from workflows.models.cases import (
    HumanTask,
    InstanceStatus,
    ProcessDraft,
    ProcessInstance,
    ProcessVersion,
    TaskStatus,
)
from workflows.models.catalog import (
    CatalogGeneration,
    CategoryClass,
    DataType,
    EntryChange,
    EntryChangeKind,
    EntryChangeStatus,
    InfoItem,
    Interface,
    ObjectClass,
    OpenType,
    Resource,
    ResourceFormat,
    ResourceRevision,
    ResourceStatus,
    Sensitivity,
    ShareMethod,
    ShareType,
    UpdateCycle,
)
from workflows.models.demands import CatalogChange, ChangeKind, ChangeStatus, Demand, DemandStatus
from workflows.models.notifications import EmailStatus, Notification, OutboxEmail
from workflows.models.objections import (
    AnswerStance,
    Correction,
    CorrectionStatus,
    FilePurpose,
    Objection,
    ObjectionAnswer,
    ObjectionFile,
    ObjectionOutcome,
    ObjectionRecord,
    ObjectionStatus,
    ObjectionType,
)
from workflows.models.operations import PERIODIC_PASS, SchedulerHeartbeat
from workflows.models.opinions import OpinionTemplate
from workflows.models.org import (
    RESPONSIBILITY_DUTIES,
    ROLE_DUTIES,
    ROLE_LABELS_BY_CODE,
    ApiToken,
    LoginFailure,
    PeopleImport,
    Person,
    Responsibility,
    ResponsibilityKind,
    Role,
    RoleMembership,
    Unit,
    UnitKind,
    VendorAccount,
)
from workflows.models.site import SiteText, SiteTextKind

__all__ = [
    "VendorAccount",
    "AffectedGrant", "AffectedStatus", "Application", "ApplicationStatus", "ApprovalRecord", "Attachment", "CallFrequency",
    "Grant", "GrantStatus", "effective_grant_status",
    "PendingUpload", "RejectionCategory", "OpinionTemplate", "PERIODIC_PASS", "SchedulerHeartbeat",
    "EmailStatus", "Notification", "OutboxEmail",
    "AnswerStance", "Correction", "CorrectionStatus", "FilePurpose", "Objection", "ObjectionAnswer", "ObjectionFile", "ObjectionOutcome",
    "ObjectionRecord", "ObjectionStatus", "ObjectionType",
    "CatalogChange", "CatalogGeneration", "CategoryClass", "ChangeKind", "ChangeStatus", "DataType", "Demand", "DemandStatus",
    "EntryChange", "EntryChangeKind", "EntryChangeStatus",
    "InfoItem", "Interface", "ObjectClass", "OpenType", "Resource", "ResourceFormat", "ResourceRevision",
    "ResourceStatus", "Sensitivity", "ShareMethod", "ShareType", "UpdateCycle",
    "RESPONSIBILITY_DUTIES", "ROLE_DUTIES", "ROLE_LABELS_BY_CODE", "ApiToken", "AuditEvent", "CalendarDay", "DayKind", "HumanTask", "InstanceStatus",
    "LoginFailure", "PeopleImport", "Person", "ProcessDraft", "ProcessInstance", "ProcessVersion", "Responsibility",
    "ResponsibilityKind", "Role", "RoleMembership", "TaskStatus", "Unit", "UnitKind",
    "SiteText", "SiteTextKind",
]
