"""The contract's enumerations (docs/contract.md): one StrEnum per vocabulary, values exactly as fixed."""

from enum import StrEnum


class IncidentKind(StrEnum):
    MISDELIVERY = "misdelivery"
    LOSS = "loss"
    THEFT = "theft"
    UNAUTHORIZED_ACCESS = "unauthorized_access"
    MALWARE = "malware"
    INSIDER_TAKEOUT = "insider_takeout"
    PUBLIC_EXPOSURE = "public_exposure"
    IMPROPER_DISPOSAL = "improper_disposal"
    SECONDARY_USE_WITHOUT_CONSENT = "secondary_use_without_consent"
    UNAUTHORIZED_PROVISION = "unauthorized_provision"
    OTHER = "other"


class DataCategory(StrEnum):
    NAME = "name"
    ADDRESS = "address"
    EMAIL = "email"
    PHONE = "phone"
    MOBILE_PHONE = "mobile_phone"
    BIRTH_DATE = "birth_date"
    BIRTHPLACE = "birthplace"
    GENDER = "gender"
    PHOTO = "photo"
    EMPLOYEE_ID = "employee_id"
    CUSTOMER_ID = "customer_id"
    GOVERNMENT_ID = "government_id"
    MY_NUMBER = "my_number"
    SSN = "ssn"
    CREDIT_CARD = "credit_card"
    BANK_ACCOUNT = "bank_account"
    ONLINE_BANKING_CREDENTIALS = "online_banking_credentials"
    CREDENTIALS = "credentials"
    PAYMENT_HISTORY = "payment_history"
    HEALTH = "health"
    MEDICAL_HISTORY = "medical_history"
    HEALTH_CHECKUP = "health_checkup"
    DISABILITY = "disability"
    CRIMINAL_RECORD = "criminal_record"
    CRIME_VICTIM = "crime_victim"
    RACE_ETHNICITY = "race_ethnicity"
    RELIGION_CREED = "religion_creed"
    POLITICAL_OPINION = "political_opinion"
    TRADE_UNION = "trade_union"
    SEXUAL_ORIENTATION = "sexual_orientation"
    GENETIC = "genetic"
    BIOMETRIC = "biometric"
    SOCIAL_STATUS = "social_status"
    LOCATION = "location"
    BROWSING_HISTORY = "browsing_history"
    PURCHASE_HISTORY = "purchase_history"
    COMMUNICATIONS_CONTENT = "communications_content"
    OTHER = "other"


class Encryption(StrEnum):
    NONE = "none"
    STANDARD = "standard"
    HIGH_LEVEL = "high_level"


class EntityRole(StrEnum):
    CONTROLLER = "controller"
    PROCESSOR = "processor"


class AssetType(StrEnum):
    """The types of asset a report, an alert or a ledger entry names (docs/contract.md, "Assets")."""

    S3 = "s3"  # an S3 bucket: name, ARN or s3:// URL
    SHAREPOINT = "sharepoint"  # a SharePoint or OneDrive site URL
    GITHUB = "github"  # a GitHub repository, org/repo
    MAILBOX = "mailbox"  # a mailbox address
    GOOGLE_DRIVE = "google_drive"  # a Google Drive shared drive: name, id or folder URL
    APP = "app"  # a cloud app as Netskope or Code42 name it
    OTHER = "other"  # anything else: a system, a server, a file share


class ReportSource(StrEnum):
    FORM = "form"
    API = "api"
    GITHUB = "github"
    NIGHTFALL = "nightfall"
    AWS_MACIE = "aws-macie"
    MS_PURVIEW = "ms-purview"
    NETSKOPE = "netskope"
    CODE42 = "code42"
    GOOGLE_DLP = "google-dlp"
    GENERIC = "generic"


class Role(StrEnum):
    """Desk roles (docs/contract.md, desk API)."""

    DESK_OPERATOR = "desk_operator"
    PROMOTION_BUREAU = "promotion_bureau"
    PI_ADMINISTRATOR = "pi_administrator"
    OFFICER = "officer"
    AUDITOR = "auditor"


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very_high"


class ObligationCode(StrEnum):
    """Obligation codes (docs/legal-codes.md): add, never rename."""

    INTERNAL_REPORT_TO_DESK = "internal.report_to_desk"
    INTERNAL_RECURRENCE_PREVENTION = "internal.recurrence_prevention"
    APPI_PPC_PRELIMINARY_REPORT = "appi.ppc_preliminary_report"
    APPI_PPC_FINAL_REPORT = "appi.ppc_final_report"
    APPI_NOTIFY_INDIVIDUALS = "appi.notify_individuals"
    APPI_PUBLIC_ANNOUNCEMENT = "appi.public_announcement"
    APPI_NOTIFY_PRINCIPAL = "appi.notify_principal"
    MYNUMBER_PPC_PRELIMINARY_REPORT = "mynumber.ppc_preliminary_report"
    MYNUMBER_PPC_FINAL_REPORT = "mynumber.ppc_final_report"
    MYNUMBER_NOTIFY_INDIVIDUALS = "mynumber.notify_individuals"
    GDPR_SA_NOTIFICATION = "gdpr.sa_notification"
    GDPR_NOTIFY_DATA_SUBJECTS = "gdpr.notify_data_subjects"
    GDPR_PUBLIC_COMMUNICATION = "gdpr.public_communication"
    GDPR_NOTIFY_CONTROLLER = "gdpr.notify_controller"
    GDPR_BREACH_REGISTER = "gdpr.breach_register"
    CCPA_NOTIFY_RESIDENTS = "ccpa.notify_residents"
    CCPA_AG_SAMPLE_NOTICE = "ccpa.ag_sample_notice"
    PDPA_TH_OFFICE_NOTIFICATION = "pdpa_th.office_notification"
    PDPA_TH_NOTIFY_DATA_SUBJECTS = "pdpa_th.notify_data_subjects"
    PDPA_SG_COMMISSION_NOTIFICATION = "pdpa_sg.commission_notification"
    PDPA_SG_NOTIFY_INDIVIDUALS = "pdpa_sg.notify_individuals"
    PIPA_KR_NOTIFY_DATA_SUBJECTS = "pipa_kr.notify_data_subjects"
    PIPA_KR_PIPC_REPORT = "pipa_kr.pipc_report"
    # v2 (docs/rules.md §2b)
    UKGDPR_ICO_NOTIFICATION = "ukgdpr.ico_notification"
    UKGDPR_NOTIFY_DATA_SUBJECTS = "ukgdpr.notify_data_subjects"
    UKGDPR_PUBLIC_COMMUNICATION = "ukgdpr.public_communication"
    UKGDPR_NOTIFY_CONTROLLER = "ukgdpr.notify_controller"
    UKGDPR_BREACH_REGISTER = "ukgdpr.breach_register"
    PIPL_AUTHORITY_NOTIFICATION = "pipl.authority_notification"
    PIPL_NOTIFY_INDIVIDUALS = "pipl.notify_individuals"
    PIPL_PUBLIC_NOTICE = "pipl.public_notice"
    PIPL_NOTIFY_HANDLER = "pipl.notify_handler"
    CN_CAC_INCIDENT_REPORT = "cn_cac.incident_report"
    CN_CAC_INCIDENT_SUMMARY = "cn_cac.incident_summary"
    NDB_AU_ASSESSMENT = "ndb_au.assessment"
    NDB_AU_OAIC_STATEMENT = "ndb_au.oaic_statement"
    NDB_AU_NOTIFY_INDIVIDUALS = "ndb_au.notify_individuals"
    NDB_AU_PUBLISH_STATEMENT = "ndb_au.publish_statement"
    NDB_AU_NOTIFY_CLIENT = "ndb_au.notify_client"
    DPDP_IN_BOARD_INTIMATION = "dpdp_in.board_intimation"
    DPDP_IN_BOARD_REPORT = "dpdp_in.board_report"
    DPDP_IN_NOTIFY_DATA_PRINCIPALS = "dpdp_in.notify_data_principals"
    DPDP_IN_NOTIFY_FIDUCIARY = "dpdp_in.notify_fiduciary"
    CERTIN_INCIDENT_REPORT = "certin.incident_report"
    LGPD_ANPD_COMMUNICATION = "lgpd.anpd_communication"
    LGPD_ANPD_SUPPLEMENT = "lgpd.anpd_supplement"
    LGPD_NOTIFY_DATA_SUBJECTS = "lgpd.notify_data_subjects"
    LGPD_PUBLIC_COMMUNICATION = "lgpd.public_communication"
    LGPD_INCIDENT_REGISTER = "lgpd.incident_register"
    LGPD_NOTIFY_CONTROLLER = "lgpd.notify_controller"
    DPA_PH_NPC_NOTIFICATION = "dpa_ph.npc_notification"
    DPA_PH_NPC_FULL_REPORT = "dpa_ph.npc_full_report"
    DPA_PH_NOTIFY_DATA_SUBJECTS = "dpa_ph.notify_data_subjects"
    DPA_PH_ALTERNATIVE_NOTICE_REQUEST = "dpa_ph.alternative_notice_request"
    DPA_PH_INCIDENT_REGISTER = "dpa_ph.incident_register"
    DPA_PH_NOTIFY_CONTROLLER = "dpa_ph.notify_controller"
    PMARK_PRELIMINARY_REPORT = "pmark.preliminary_report"
    PMARK_FINAL_REPORT = "pmark.final_report"


class TriggerCodeV2(StrEnum):
    """The legal trigger codes docs/rules.md §2b adds (docs/legal-codes.md)."""

    UKGDPR_RISK = "ukgdpr.risk"
    UKGDPR_HIGH_RISK = "ukgdpr.high_risk"
    PIPL_INCIDENT = "pipl.incident"
    CN_CAC_RELATIVELY_MAJOR = "cn_cac.relatively_major"
    CN_CAC_MAJOR = "cn_cac.major"
    CN_CAC_PARTICULARLY_MAJOR = "cn_cac.particularly_major"
    NDB_AU_ELIGIBLE = "ndb_au.eligible"
    NDB_AU_SUSPECTED = "ndb_au.suspected"
    DPDP_IN_BREACH = "dpdp_in.breach"
    CERTIN_CYBER_INCIDENT = "certin.cyber_incident"
    LGPD_RELEVANT_RISK = "lgpd.relevant_risk"
    DPA_PH_NOTIFIABLE = "dpa_ph.notifiable"
    PMARK_INCIDENT = "pmark.incident"
    PMARK_PRELIMINARY = "pmark.preliminary"


# ---------------------------------------------------------------- states and kinds (one definition each)


class IncidentStatus(StrEnum):
    """An incident on the desk: open, silenced by a snooze, closed, or merged into another."""

    OPEN = "open"
    SNOOZED = "snoozed"
    CLOSED = "closed"
    MERGED = "merged"


class ObligationStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    WITHDRAWN = "withdrawn"  # the facts no longer call for it


class NoticeKind(StrEnum):
    DATA_SUBJECT = "data_subject"
    PUBLIC = "public"
    REGULATOR_DRAFT = "regulator_draft"
    INTERNAL = "internal"  # an internal alert: never drafted, approved or listed as a notice


class NoticeStatus(StrEnum):
    DRAFTED = "drafted"
    APPROVED = "approved"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class DeliveryStatus(StrEnum):
    """One recipient's copy of a notice (the notifier's deliveries)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNCONFIRMED = "unconfirmed"  # the server's answer was lost: never sent again (at most once)


class DeliveryChannel(StrEnum):
    """How one recipient is reached (a notice itself goes by email, the web page or a download)."""

    EMAIL = "email"
    CHAT = "chat"


class UpdateReason(StrEnum):
    """Why an `incident.updated` was sent (the ones the services act on)."""

    ALERTS_GROUPED = "alerts_grouped"
    FACTS_ADDED = "facts_added"
    CLOSED = "closed"
    MERGED = "merged"


# ---------------------------------------------------------------- who may do what (one definition each)

# Any desk role may read; the auditor acts on nothing. The desk API, the dashboard and the notifier's
# approval check use these sets.
RESPONDERS = frozenset({Role.DESK_OPERATOR, Role.PROMOTION_BUREAU, Role.PI_ADMINISTRATOR, Role.OFFICER})
FACT_KEEPERS = frozenset({Role.DESK_OPERATOR, Role.PROMOTION_BUREAU, Role.PI_ADMINISTRATOR})
CLOSERS = frozenset({Role.PROMOTION_BUREAU, Role.PI_ADMINISTRATOR, Role.OFFICER})
APPROVERS = frozenset({Role.PROMOTION_BUREAU, Role.PI_ADMINISTRATOR})  # notices: approve, reword
AUDIT_READERS = frozenset({Role.AUDITOR, Role.OFFICER, Role.PI_ADMINISTRATOR})
LEDGER_KEEPERS = frozenset({Role.PROMOTION_BUREAU, Role.PI_ADMINISTRATOR})  # the personal-information ledger


# Issue 17: two more kinds of case through the same desk (docs/contract.md, "Government requests and
# privacy complaints"). Add, never rename.
class CaseKind(StrEnum):
    GOVERNMENT_REQUEST = "government_request"
    PRIVACY_COMPLAINT = "privacy_complaint"


class LegalInstrument(StrEnum):
    """What a government or law-enforcement request cites."""

    WARRANT = "warrant"
    COURT_ORDER = "court_order"
    STATUTORY_REQUEST = "statutory_request"  # e.g. an inquiry under Japan's Code of Criminal Procedure Art. 197(2)
    INFORMAL = "informal"


class RequestDecision(StrEnum):
    PROVIDE = "provide"
    PROVIDE_IN_PART = "provide_in_part"
    REFUSE = "refuse"
    CHALLENGE = "challenge"


class ComplainantKind(StrEnum):
    INDIVIDUAL = "individual"
    CONSUMER_BODY = "consumer_body"
    AUTHORITY = "authority"  # e.g. the ministry overseeing personal information


class ComplaintRequestKind(StrEnum):
    """The statutory route a complaint takes, if any (the handling clock: domain/complaint_clocks.py)."""

    GENERAL = "general"  # a complaint no law sets a clock for (APPI Art. 40: handle appropriately and promptly)
    GDPR_DATA_SUBJECT_REQUEST = "gdpr_data_subject_request"  # GDPR Arts. 15-22 (Art. 12(3))
    APPI_DISCLOSURE_REQUEST = "appi_disclosure_request"  # APPI Art. 33
    APPI_CORRECTION_REQUEST = "appi_correction_request"  # APPI Art. 34
    APPI_CESSATION_REQUEST = "appi_cessation_request"  # APPI Art. 35


class ComplaintOutcome(StrEnum):
    UPHELD = "upheld"
    PARTLY_UPHELD = "partly_upheld"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    REFERRED = "referred"


class CaseStatus(StrEnum):
    OPEN = "open"
    DECIDED = "decided"  # a government request with its decision
    CLOSED = "closed"  # a complaint with its outcome and reply, or a request whose provision is recorded


# Government requests (services/escalation/policy/cases.yaml may narrow or widen these)
CASE_DECIDERS = frozenset({Role.OFFICER, Role.PI_ADMINISTRATOR})  # decide on a request (default)
CASE_KEEPERS = frozenset({Role.DESK_OPERATOR, Role.PROMOTION_BUREAU, Role.PI_ADMINISTRATOR, Role.OFFICER})
