"""Page types, one module per page family; re-exported here."""

from .city import (
    AbstractCityIndexPage,
    AbstractCityPage,
    CityContact,
    CityIndexPage,
    CityPage,
    CityRole,
)
from .legal import (
    AccessibilityStatementPage,
    AssessmentMethod,
    ConformanceStatus,
    NonAccessibleReason,
    PrivacyNoticePage,
)
from .mixins import AbstractListingPage, FilteredListingMixin, SummaryMixin
from .network import AbstractNetworkHomePage, NetworkHomePage
from .practice import (
    AbstractPracticeModelIndexPage,
    AbstractPracticeModelPage,
    EvidenceLevel,
    Licence,
    PracticeModelIndexPage,
    PracticeModelPage,
    PracticeStatus,
    Stakeholder,
)
from .seminar import (
    AbstractSeminarIndexPage,
    AbstractSeminarPage,
    AttendanceMode,
    EventStatus,
    SeminarIndexPage,
    SeminarKind,
    SeminarPage,
)

__all__ = [
    "AccessibilityStatementPage",
    "AssessmentMethod",
    "ConformanceStatus",
    "NonAccessibleReason",
    "PrivacyNoticePage",
    "AbstractCityIndexPage",
    "AbstractListingPage",
    "AbstractCityPage",
    "AbstractNetworkHomePage",
    "AbstractPracticeModelIndexPage",
    "AbstractPracticeModelPage",
    "AbstractSeminarIndexPage",
    "AbstractSeminarPage",
    "AttendanceMode",
    "CityContact",
    "CityIndexPage",
    "CityPage",
    "CityRole",
    "EventStatus",
    "EvidenceLevel",
    "FilteredListingMixin",
    "Licence",
    "NetworkHomePage",
    "PracticeModelIndexPage",
    "PracticeModelPage",
    "PracticeStatus",
    "SeminarIndexPage",
    "SeminarKind",
    "SeminarPage",
    "Stakeholder",
    "SummaryMixin",
]
