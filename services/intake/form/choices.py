"""Plain-language choices of the report form, each mapped to exactly one contract value.

Labels are what an employee without privacy training recognises; the values are the contract's
enums (docs/contract.md). Each entry: value → (Japanese label, English label).
"""

from __future__ import annotations

from typing import Final

Label = tuple[str, str]

INCIDENT_KINDS: Final[dict[str, Label]] = {
    "misdelivery": ("誤送信・誤配送（メール、FAX、郵便など）", "Sent to the wrong person (e-mail, fax, post…)"),
    "loss": ("紛失（PC、USBメモリ、書類など）", "Lost (laptop, USB stick, papers…)"),
    "theft": ("盗難", "Stolen"),
    "unauthorized_access": ("不正アクセス・なりすまし", "Unauthorised access or account takeover"),
    "malware": ("ウイルス・ランサムウェア感染", "Virus or ransomware infection"),
    "insider_takeout": ("従業員・委託先による不正な持ち出し", "Taken out without permission by staff or a contractor"),
    "public_exposure": ("インターネット上で誰でも見られる状態だった", "Visible to anyone on the internet"),
    "improper_disposal": ("不適切な廃棄", "Thrown away or disposed of improperly"),
    "secondary_use_without_consent": ("本人の同意のない目的外利用", "Used for another purpose without consent"),
    "unauthorized_provision": ("本人の同意のない第三者提供", "Given to a third party without consent"),
    "other": ("その他・わからない", "Something else, or not sure"),
}

# Data categories, grouped as an employee thinks of them.
CATEGORY_GROUPS: Final[list[tuple[Label, dict[str, Label]]]] = [
    (
        ("連絡先・基本情報", "Contact and basic details"),
        {
            "name": ("氏名", "Names"),
            "address": ("住所", "Postal addresses"),
            "email": ("メールアドレス", "E-mail addresses"),
            "phone": ("電話番号（固定）", "Phone numbers"),
            "mobile_phone": ("携帯電話番号", "Mobile phone numbers"),
            "birth_date": ("生年月日", "Dates of birth"),
            "birthplace": ("出身地・本籍地", "Places of birth or family registry"),
            "gender": ("性別", "Gender"),
            "photo": ("顔写真", "Photos of faces"),
        },
    ),
    (
        ("番号・ID", "Numbers and IDs"),
        {
            "employee_id": ("社員番号", "Employee numbers"),
            "customer_id": ("顧客番号・会員ID", "Customer or member numbers"),
            "my_number": ("マイナンバー（個人番号）", "My Number (Japan's individual number)"),
            "government_id": (
                "運転免許証・パスポート・在留カードなどの番号",
                "Driving licence, passport or residence card numbers",
            ),
            "ssn": ("米国社会保障番号（SSN）", "US Social Security numbers"),
            "credentials": (
                "ID・パスワード・APIキーなどのログイン情報",
                "Passwords, log-ins, API keys or other secrets",
            ),
        },
    ),
    (
        ("お金に関する情報", "Money"),
        {
            "credit_card": ("クレジットカード番号", "Credit card numbers"),
            "bank_account": ("銀行口座番号", "Bank account numbers"),
            "online_banking_credentials": (
                "ネットバンキングのID・パスワード",
                "Online-banking log-ins or passwords",
            ),
            "payment_history": ("支払・決済の履歴", "Payment history"),
            "purchase_history": ("購入履歴", "Purchase history"),
        },
    ),
    (
        ("健康に関する情報", "Health"),
        {
            "health": ("健康状態", "Health conditions"),
            "medical_history": ("病歴・診療記録", "Medical history or records"),
            "health_checkup": ("健康診断の結果", "Health check-up results"),
            "disability": ("障がいに関する情報", "Disabilities"),
            "genetic": ("遺伝情報", "Genetic data"),
        },
    ),
    (
        ("特に配慮が必要な情報", "Especially sensitive"),
        {
            "criminal_record": ("犯罪歴", "Criminal records"),
            "crime_victim": ("犯罪被害の事実", "Being a victim of crime"),
            "race_ethnicity": ("人種・民族", "Race or ethnic origin"),
            "religion_creed": ("信条・宗教", "Beliefs or religion"),
            "political_opinion": ("政治的意見", "Political opinions"),
            "trade_union": ("労働組合への加入", "Trade-union membership"),
            "sexual_orientation": ("性的指向", "Sexual orientation"),
            "biometric": ("指紋・顔認証などの生体情報", "Fingerprints, face templates or other biometrics"),
            "social_status": ("社会的身分", "Social status"),
        },
    ),
    (
        ("行動・通信の記録", "Activity and communications"),
        {
            "location": ("位置情報", "Location data"),
            "browsing_history": ("閲覧履歴", "Browsing history"),
            "communications_content": ("メールやチャットの内容", "Contents of e-mails or chats"),
            "other": ("その他・わからない", "Something else, or not sure"),
        },
    ),
]
CATEGORIES: Final[dict[str, Label]] = {value: label for _, group in CATEGORY_GROUPS for value, label in group.items()}

ENCRYPTION: Final[dict[str, Label]] = {
    "none": ("暗号化されていない・わからない", "Not encrypted, or not sure"),
    "standard": ("暗号化されていた（パスワード付きZIPなど）", "Encrypted (e.g. a password-protected ZIP)"),
    "high_level": (
        "高度な暗号化がされ、鍵やパスワードは漏れていない",
        "Strongly encrypted, and the key or password was not exposed",
    ),
}

ENTITY_ROLE: Final[dict[str, Label]] = {
    "controller": ("当社のお客様・従業員などの情報", "Our own customers', employees' or partners' data"),
    "processor": ("お客様（委託元）から預かって扱っている情報", "Data we handle on behalf of a client"),
}

MALICIOUS: Final[dict[str, Label]] = {
    "unknown": ("わからない", "Not sure"),
    "yes": ("はい（攻撃・盗難・持ち出しなどの疑い）", "Yes (an attack, theft or deliberate take-out is suspected)"),
    "no": ("いいえ（うっかりミスなど）", "No (an honest mistake or accident)"),
}

YES_NO: Final[dict[str, Label]] = {"yes": ("はい", "Yes"), "no": ("いいえ", "No")}

# Where the people affected live; "EU" is the EEA. Anything else goes in the free "other" row.
REGIONS: Final[dict[str, Label]] = {
    "JP": ("日本", "Japan"),
    "EU": ("EU・EEA", "EU / EEA"),
    "US-CA": ("米国カリフォルニア州", "California, USA"),
    "TH": ("タイ", "Thailand"),
    "SG": ("シンガポール", "Singapore"),
    "KR": ("韓国", "South Korea"),
}

COUNTRIES: Final[dict[str, Label]] = {
    "JP": ("日本", "Japan"),
    "DE": ("ドイツ", "Germany"),
    "TH": ("タイ", "Thailand"),
    "US": ("米国", "United States"),
    "SG": ("シンガポール", "Singapore"),
    "KR": ("韓国", "South Korea"),
    "CN": ("中国", "China"),
    "TW": ("台湾", "Taiwan"),
    "IN": ("インド", "India"),
    "GB": ("英国", "United Kingdom"),
    "FR": ("フランス", "France"),
    "NL": ("オランダ", "Netherlands"),
    "AU": ("オーストラリア", "Australia"),
}

TIMEZONES: Final[dict[str, Label]] = {
    "Asia/Tokyo": ("日本時間（JST）", "Japan time (JST)"),
    "UTC": ("協定世界時（UTC）", "UTC"),
    "Europe/Berlin": ("中央ヨーロッパ時間", "Central European time"),
    "Asia/Bangkok": ("タイ時間", "Thailand time"),
    "Asia/Singapore": ("シンガポール時間", "Singapore time"),
    "Asia/Seoul": ("韓国時間", "Korea time"),
    "America/Los_Angeles": ("米国太平洋時間", "US Pacific time"),
    "America/New_York": ("米国東部時間", "US Eastern time"),
}
