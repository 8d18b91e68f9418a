"""The contract's enumerations (CONTRACT.md): one StrEnum per vocabulary, values exactly as fixed."""

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
    """Desk roles (CONTRACT.md, "Desk API")."""

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
