"""Plain-language wording for notices, in Japanese and English: pure data and one lookup helper.

Every table maps a contract code (docs/contract.md, shared/vocabulary.py) to {"ja": ..., "en": ...}.
CONSEQUENCES are the likely consequences for the person (GDPR Art. 33(3)(c), 34(2); APPI Enforcement
Rules Art. 8(1)(v) "secondary damage or its risk"), ADVICE what the person can do, MEASURES what the
company is doing for each kind of incident. The desk reviews every notice before it is issued.
"""

from __future__ import annotations

Labels = dict[str, dict[str, str]]

KIND_LABELS: Labels = {
    "misdelivery": {"ja": "誤送付・誤送信", "en": "misdelivery (sent to the wrong recipient)"},
    "loss": {"ja": "紛失", "en": "loss"},
    "theft": {"ja": "盗難", "en": "theft"},
    "unauthorized_access": {"ja": "不正アクセス", "en": "unauthorised access"},
    "malware": {"ja": "マルウェア（ランサムウェア等）への感染", "en": "malware (including ransomware) infection"},
    "insider_takeout": {"ja": "従業員等による不正な持ち出し", "en": "unauthorised removal of data by an insider"},
    "public_exposure": {
        "ja": "インターネット上で外部から閲覧可能な状態となっていたこと",
        "en": "exposure of data on the internet",
    },
    "improper_disposal": {"ja": "不適切な廃棄", "en": "improper disposal"},
    "secondary_use_without_consent": {
        "ja": "本人の同意のない目的外利用",
        "en": "use for another purpose without consent",
    },
    "unauthorized_provision": {
        "ja": "本人の同意のない第三者提供",
        "en": "disclosure to a third party without consent",
    },
    "other": {"ja": "その他", "en": "other"},
}

CATEGORY_LABELS: Labels = {
    "name": {"ja": "氏名", "en": "names"},
    "address": {"ja": "住所", "en": "postal addresses"},
    "email": {"ja": "メールアドレス", "en": "e-mail addresses"},
    "phone": {"ja": "電話番号", "en": "phone numbers"},
    "mobile_phone": {"ja": "携帯電話番号", "en": "mobile phone numbers"},
    "birth_date": {"ja": "生年月日", "en": "dates of birth"},
    "birthplace": {"ja": "出生地・本籍地", "en": "places of birth or family registry"},
    "gender": {"ja": "性別", "en": "gender"},
    "photo": {"ja": "顔写真", "en": "photographs of faces"},
    "employee_id": {"ja": "社員番号", "en": "employee numbers"},
    "customer_id": {"ja": "顧客番号・会員ID", "en": "customer or membership numbers"},
    "government_id": {
        "ja": "運転免許証番号・旅券番号等の公的な証明書の番号",
        "en": "driver's licence, passport or other government ID numbers",
    },
    "my_number": {"ja": "マイナンバー（個人番号）", "en": "My Number (Japan's individual number)"},
    "ssn": {"ja": "米国社会保障番号（SSN）", "en": "Social Security numbers"},
    "credit_card": {"ja": "クレジットカード番号", "en": "credit card numbers"},
    "bank_account": {"ja": "銀行口座情報", "en": "bank account details"},
    "online_banking_credentials": {
        "ja": "インターネットバンキングのID・パスワード",
        "en": "online-banking log-in details",
    },
    "credentials": {"ja": "ID・パスワード等のログイン情報", "en": "user names, passwords or other log-in details"},
    "payment_history": {"ja": "支払・決済の履歴", "en": "payment history"},
    "health": {"ja": "健康状態に関する情報", "en": "health information"},
    "medical_history": {"ja": "病歴・診療に関する情報", "en": "medical history or records"},
    "health_checkup": {"ja": "健康診断等の結果", "en": "health check-up results"},
    "disability": {"ja": "障がいに関する情報", "en": "information about disabilities"},
    "criminal_record": {"ja": "犯罪の経歴", "en": "criminal records"},
    "crime_victim": {"ja": "犯罪により害を被った事実", "en": "information that a person was a victim of crime"},
    "race_ethnicity": {"ja": "人種・民族", "en": "racial or ethnic origin"},
    "religion_creed": {"ja": "信条・宗教", "en": "religious or philosophical beliefs"},
    "political_opinion": {"ja": "政治的意見", "en": "political opinions"},
    "trade_union": {"ja": "労働組合への加入状況", "en": "trade-union membership"},
    "sexual_orientation": {"ja": "性的指向", "en": "sexual orientation"},
    "genetic": {"ja": "遺伝情報", "en": "genetic data"},
    "biometric": {
        "ja": "生体情報（指紋・顔認証データ等）",
        "en": "biometric data (fingerprints, face templates, etc.)",
    },
    "social_status": {"ja": "社会的身分", "en": "social status"},
    "location": {"ja": "位置情報", "en": "location data"},
    "browsing_history": {"ja": "ウェブサイトの閲覧履歴", "en": "browsing history"},
    "purchase_history": {"ja": "購入履歴", "en": "purchase history"},
    "communications_content": {
        "ja": "メール・チャット等の通信内容",
        "en": "contents of e-mails, chats or other messages",
    },
    "other": {"ja": "その他の情報", "en": "other information"},
}

RISK_LABELS: Labels = {
    "low": {"ja": "低", "en": "low"},
    "medium": {"ja": "中", "en": "medium"},
    "high": {"ja": "高", "en": "high"},
    "very_high": {"ja": "非常に高い", "en": "very high"},
}

OBLIGATION_LABELS: Labels = {
    "internal.report_to_desk": {"ja": "個人情報事故窓口への社内報告", "en": "Internal report to the incident desk"},
    "internal.recurrence_prevention": {
        "ja": "再発防止策の検討及び実施",
        "en": "Recurrence-prevention measures",
    },
    "appi.ppc_preliminary_report": {
        "ja": "個人情報保護委員会への報告（速報）",
        "en": "Preliminary report to the Personal Information Protection Commission (APPI)",
    },
    "appi.ppc_final_report": {
        "ja": "個人情報保護委員会への報告（確報）",
        "en": "Final report to the Personal Information Protection Commission (APPI)",
    },
    "appi.notify_individuals": {"ja": "本人への通知（個人情報保護法）", "en": "Notice to the individuals (APPI)"},
    "appi.public_announcement": {
        "ja": "公表（本人への通知の代替措置）",
        "en": "Public announcement in place of individual notice (APPI)",
    },
    "appi.notify_principal": {
        "ja": "委託元への通知（個人情報保護法第26条第1項ただし書）",
        "en": "Notice to the principal that entrusted us with the data (APPI Art. 26(1) proviso)",
    },
    "mynumber.ppc_preliminary_report": {
        "ja": "個人情報保護委員会への報告（速報・番号法）",
        "en": "Preliminary report to the Personal Information Protection Commission (My Number Act)",
    },
    "mynumber.ppc_final_report": {
        "ja": "個人情報保護委員会への報告（確報・番号法）",
        "en": "Final report to the Personal Information Protection Commission (My Number Act)",
    },
    "mynumber.notify_individuals": {"ja": "本人への通知（番号法）", "en": "Notice to the individuals (My Number Act)"},
    "gdpr.sa_notification": {
        "ja": "監督機関への通知（GDPR第33条）",
        "en": "Notification to the supervisory authority (GDPR Art. 33)",
    },
    "gdpr.notify_data_subjects": {
        "ja": "データ主体への連絡（GDPR第34条）",
        "en": "Communication to the data subjects (GDPR Art. 34)",
    },
    "gdpr.public_communication": {
        "ja": "公衆への周知（GDPR第34条第3項(c)）",
        "en": "Public communication (GDPR Art. 34(3)(c))",
    },
    "gdpr.notify_controller": {
        "ja": "管理者への通知（GDPR第33条第2項）",
        "en": "Notification to the controller (GDPR Art. 33(2))",
    },
    "gdpr.breach_register": {
        "ja": "侵害記録簿への記録（GDPR第33条第5項）",
        "en": "Entry in the breach register (GDPR Art. 33(5))",
    },
    "ccpa.notify_residents": {
        "ja": "カリフォルニア州居住者への通知（民法典第1798.82条）",
        "en": "Notice to California residents (Cal. Civ. Code §1798.82)",
    },
    "ccpa.ag_sample_notice": {
        "ja": "カリフォルニア州司法長官への通知文見本の提出",
        "en": "Sample notice to the California Attorney General",
    },
    "pdpa_th.office_notification": {
        "ja": "タイ個人情報保護委員会事務局への通知",
        "en": "Notification to the Office of the PDPC (Thailand)",
    },
    "pdpa_th.notify_data_subjects": {
        "ja": "データ主体への通知（タイ個人情報保護法）",
        "en": "Notice to the data subjects (Thailand PDPA)",
    },
    "pdpa_sg.commission_notification": {
        "ja": "シンガポール個人情報保護委員会への通知",
        "en": "Notification to the Personal Data Protection Commission (Singapore)",
    },
    "pdpa_sg.notify_individuals": {
        "ja": "影響を受ける個人への通知（シンガポール個人情報保護法）",
        "en": "Notice to the affected individuals (Singapore PDPA)",
    },
    "pipa_kr.notify_data_subjects": {
        "ja": "情報主体への通知（韓国個人情報保護法）",
        "en": "Notice to the data subjects (Korea PIPA)",
    },
    "pipa_kr.pipc_report": {
        "ja": "韓国個人情報保護委員会等への申告",
        "en": "Report to the Personal Information Protection Commission (Korea)",
    },
    # v2 (docs/rules.md §2b)
    "ukgdpr.ico_notification": {
        "ja": "英国情報コミッショナー（ICO）への通知",
        "en": "Notification to the Information Commissioner's Office (UK GDPR)",
    },
    "ukgdpr.notify_data_subjects": {
        "ja": "データ主体への連絡（英国GDPR）",
        "en": "Communication to the data subjects (UK GDPR)",
    },
    "ukgdpr.public_communication": {"ja": "公表（英国GDPR）", "en": "Public communication (UK GDPR)"},
    "ukgdpr.notify_controller": {"ja": "管理者への通知（英国GDPR）", "en": "Notice to the controller (UK GDPR)"},
    "ukgdpr.breach_register": {"ja": "侵害の記録（英国GDPR）", "en": "Breach register entry (UK GDPR)"},
    "pipl.authority_notification": {
        "ja": "個人情報保護職責部門への通知（中国PIPL）",
        "en": "Notification to the CAC and the sector regulator (China PIPL)",
    },
    "pipl.notify_individuals": {"ja": "本人への通知（中国PIPL）", "en": "Notice to the individuals (China PIPL)"},
    "pipl.public_notice": {"ja": "公告（中国PIPL）", "en": "Public notice (China PIPL)"},
    "pipl.notify_handler": {
        "ja": "個人情報処理者（委託元）への通知（中国PIPL）",
        "en": "Notice to the personal information handler (China PIPL)",
    },
    "cn_cac.incident_report": {
        "ja": "省級網信部門への事件報告（4時間以内）",
        "en": "Incident report to the provincial CAC (within 4 hours)",
    },
    "cn_cac.incident_summary": {"ja": "網信部門への総括報告", "en": "Incident summary report to the CAC"},
    "ndb_au.assessment": {
        "ja": "漏えいの疑いの評価（豪州）",
        "en": "Assessment of a suspected eligible data breach (Australia)",
    },
    "ndb_au.oaic_statement": {
        "ja": "豪州情報コミッショナー（OAIC）への報告",
        "en": "Statement to the OAIC (Australia)",
    },
    "ndb_au.notify_individuals": {"ja": "本人への通知（豪州）", "en": "Notice to the individuals (Australia)"},
    "ndb_au.publish_statement": {
        "ja": "ウェブサイトでの公表（豪州）",
        "en": "Statement published on the website (Australia)",
    },
    "ndb_au.notify_client": {"ja": "委託元への通知（豪州）", "en": "Notice to the client (Australia)"},
    "dpdp_in.board_intimation": {
        "ja": "インドデータ保護委員会への第一報",
        "en": "Intimation to the Data Protection Board of India",
    },
    "dpdp_in.board_report": {
        "ja": "インドデータ保護委員会への詳細報告（72時間以内）",
        "en": "Detailed report to the Data Protection Board of India (72 hours)",
    },
    "dpdp_in.notify_data_principals": {
        "ja": "データ主体への通知（インドDPDP法）",
        "en": "Intimation to the data principals (India DPDP Act)",
    },
    "dpdp_in.notify_fiduciary": {
        "ja": "データ受託者（委託元）への通知（インド）",
        "en": "Notice to the data fiduciary (India)",
    },
    "certin.incident_report": {
        "ja": "CERT-Inへのインシデント報告（6時間以内）",
        "en": "Incident report to CERT-In (within 6 hours)",
    },
    "lgpd.anpd_communication": {"ja": "ブラジルANPDへの通知", "en": "Communication to the ANPD (Brazil LGPD)"},
    "lgpd.anpd_supplement": {
        "ja": "ブラジルANPDへの補足報告",
        "en": "Supplementary information to the ANPD (Brazil LGPD)",
    },
    "lgpd.notify_data_subjects": {
        "ja": "データ主体への通知（ブラジルLGPD）",
        "en": "Communication to the data subjects (Brazil LGPD)",
    },
    "lgpd.public_communication": {"ja": "公表（ブラジルLGPD）", "en": "Public communication (Brazil LGPD)"},
    "lgpd.incident_register": {
        "ja": "インシデントの記録（ブラジルLGPD）",
        "en": "Incident register entry (Brazil LGPD)",
    },
    "lgpd.notify_controller": {"ja": "管理者への通知（ブラジルLGPD）", "en": "Notice to the controller (Brazil LGPD)"},
    "dpa_ph.npc_notification": {
        "ja": "フィリピンNPCへの通知",
        "en": "Notification to the National Privacy Commission (Philippines)",
    },
    "dpa_ph.npc_full_report": {
        "ja": "フィリピンNPCへの完全報告",
        "en": "Full report to the National Privacy Commission (Philippines)",
    },
    "dpa_ph.notify_data_subjects": {
        "ja": "データ主体への通知（フィリピン）",
        "en": "Notice to the data subjects (Philippines)",
    },
    "dpa_ph.alternative_notice_request": {
        "ja": "代替通知の承認申請（フィリピンNPC）",
        "en": "Request to the NPC for alternative notice (Philippines)",
    },
    "dpa_ph.incident_register": {
        "ja": "セキュリティインシデントの記録（フィリピン）",
        "en": "Security incident register entry (Philippines)",
    },
    "dpa_ph.notify_controller": {"ja": "管理者への通知（フィリピン）", "en": "Notice to the controller (Philippines)"},
    "pmark.preliminary_report": {
        "ja": "審査機関への事故報告（速報）",
        "en": "Preliminary incident report to the Privacy Mark examination body",
    },
    "pmark.final_report": {
        "ja": "審査機関への事故報告（確報）",
        "en": "Final incident report to the Privacy Mark examination body",
    },
}

_SENSITIVE_JA = (
    "が他人に知られることにより、精神的な苦痛を受けたり、差別や不利益な取扱いを受けたりするおそれがあります。"
)
_SENSITIVE_EN = " could become known to others, which may cause distress or lead to discrimination or unfair treatment."
_HEALTH = {
    "ja": "健康に関する情報" + _SENSITIVE_JA,
    "en": "Information about your health" + _SENSITIVE_EN,
}
_CONTACT = {
    "ja": "他の情報と組み合わされ、迷惑な勧誘や、当社等をかたる詐欺的な連絡に利用されるおそれがあります。",
    "en": "It could be combined with other information and used for unwanted marketing or scam messages "
    "that pretend to come from us or others.",
}

CONSEQUENCES: Labels = {
    "name": _CONTACT,
    "address": {
        "ja": "ダイレクトメールや不審な郵便物が届いたり、不審な訪問を受けたりするおそれがあります。",
        "en": "You could receive unsolicited or suspicious mail, or unexpected visits.",
    },
    "email": {
        "ja": "迷惑メールや、当社等をかたるフィッシングメール（偽のメール）が届くおそれがあります。",
        "en": "You could receive spam or phishing e-mails, including fake messages pretending to come from us.",
    },
    "phone": {
        "ja": "迷惑電話や、詐欺を目的とした電話・SMS（ショートメッセージ）を受けるおそれがあります。",
        "en": "You could receive nuisance or scam calls and text messages.",
    },
    "mobile_phone": {
        "ja": "迷惑電話や、詐欺を目的とした電話・SMS（ショートメッセージ）を受けるおそれがあります。",
        "en": "You could receive nuisance or scam calls and text messages.",
    },
    "birth_date": {
        "ja": "他の情報と組み合わされ、本人確認の突破やなりすましに悪用されるおそれがあります。",
        "en": "Combined with other details, your date of birth could help someone pass identity checks in your name.",
    },
    "birthplace": {
        "ja": "出生地・本籍地" + _SENSITIVE_JA,
        "en": "Your place of birth or family registry" + _SENSITIVE_EN,
    },
    "gender": {
        "ja": "他の情報と組み合わされ、ご本人の特定やなりすましに利用されるおそれがあります。",
        "en": "Combined with other details, it could be used to identify or impersonate you.",
    },
    "photo": {
        "ja": "顔写真が無断で利用され、ご本人の特定やなりすましに悪用されるおそれがあります。",
        "en": "Your photograph could be used without permission to identify or impersonate you.",
    },
    "employee_id": {
        "ja": "番号を手がかりに、当社をかたる問合せやなりすましに利用されるおそれがあります。",
        "en": "The number could be used in messages pretending to come from us, or in attempts to impersonate you.",
    },
    "customer_id": {
        "ja": "番号を手がかりに、当社をかたる問合せやなりすましに利用されるおそれがあります。",
        "en": "The number could be used in messages pretending to come from us, or in attempts to impersonate you.",
    },
    "government_id": {
        "ja": "証明書の番号が悪用され、なりすましによる契約や口座開設等が行われるおそれがあります。",
        "en": "Your ID number could be used to impersonate you, for example to open accounts or sign contracts.",
    },
    "my_number": {
        "ja": "マイナンバーが他の情報と組み合わされ、なりすまし等に悪用されるおそれがあります。",
        "en": "Your My Number could be combined with other information and misused to impersonate you.",
    },
    "ssn": {
        "ja": "社会保障番号が悪用され、なりすましによるクレジットの申込み等の被害（ID盗用）を受けるおそれがあります。",
        "en": "Your Social Security number could be used for identity theft, such as opening credit in your name.",
    },
    "credit_card": {
        "ja": "クレジットカードが第三者に不正に利用され、身に覚えのない請求が発生するおそれがあります。",
        "en": "Your card could be used by someone else for purchases you did not make.",
    },
    "bank_account": {
        "ja": "口座情報を悪用した不正な口座振替の申込みや、金融機関をかたる詐欺的な連絡を受けるおそれがあります。",
        "en": "Your account details could be used for fraudulent direct-debit requests or in scam messages "
        "that pretend to come from your bank.",
    },
    "online_banking_credentials": {
        "ja": "インターネットバンキングに不正にログインされ、預金が不正に送金されるおそれがあります。",
        "en": "Someone could log in to your online banking and transfer money out of your account.",
    },
    "credentials": {
        "ja": "アカウントに不正にログインされ、登録情報の閲覧やなりすましによる不正な操作が行われるおそれがあります。",
        "en": "Someone could log in to your account, see the information in it or act in your name.",
    },
    "payment_history": {
        "ja": "支払の内容から生活状況が推測され、それに付け込んだ勧誘や詐欺に利用されるおそれがあります。",
        "en": "Your payments could reveal details of your life and be used for targeted marketing or scams.",
    },
    "purchase_history": {
        "ja": "購入の内容から嗜好や生活状況が推測され、それに付け込んだ勧誘や詐欺に利用されるおそれがあります。",
        "en": "Your purchases could reveal your interests or circumstances and be used for targeted marketing "
        "or scams.",
    },
    "health": _HEALTH,
    "medical_history": _HEALTH,
    "health_checkup": _HEALTH,
    "disability": {
        "ja": "障がいに関する情報" + _SENSITIVE_JA,
        "en": "Information about a disability" + _SENSITIVE_EN,
    },
    "criminal_record": {"ja": "犯罪の経歴" + _SENSITIVE_JA, "en": "A criminal record" + _SENSITIVE_EN},
    "crime_victim": {
        "ja": "犯罪被害に関する情報" + _SENSITIVE_JA,
        "en": "The fact that you were a victim of crime" + _SENSITIVE_EN,
    },
    "race_ethnicity": {"ja": "人種・民族" + _SENSITIVE_JA, "en": "Your racial or ethnic origin" + _SENSITIVE_EN},
    "religion_creed": {"ja": "信条・宗教" + _SENSITIVE_JA, "en": "Your beliefs or religion" + _SENSITIVE_EN},
    "political_opinion": {"ja": "政治的意見" + _SENSITIVE_JA, "en": "Your political opinions" + _SENSITIVE_EN},
    "trade_union": {
        "ja": "労働組合への加入状況" + _SENSITIVE_JA,
        "en": "Your trade-union membership" + _SENSITIVE_EN,
    },
    "sexual_orientation": {"ja": "性的指向" + _SENSITIVE_JA, "en": "Your sexual orientation" + _SENSITIVE_EN},
    "social_status": {"ja": "社会的身分" + _SENSITIVE_JA, "en": "Your social status" + _SENSITIVE_EN},
    "genetic": {
        "ja": "遺伝情報は生涯変わらずご家族にも関わるため、差別や不利益な取扱いにつながるおそれがあります。",
        "en": "Genetic data never change and also concern your relatives; disclosure could lead to discrimination "
        "or unfair treatment.",
    },
    "biometric": {
        "ja": "生体情報は変更することができないため、なりすましによる本人認証の突破に悪用されるおそれがあります。",
        "en": "Biometric data cannot be changed and could be misused to get past identity checks in your name.",
    },
    "location": {
        "ja": "位置情報から行動範囲や住居が推測され、つきまとい等の被害を受けるおそれがあります。",
        "en": "Your movements or home could be inferred, which could expose you to stalking or harassment.",
    },
    "browsing_history": {
        "ja": "閲覧履歴から関心事や私生活が推測され、それに付け込んだ勧誘等に利用されるおそれがあります。",
        "en": "Your browsing could reveal your interests or private life and be used for targeted marketing or scams.",
    },
    "communications_content": {
        "ja": "通信の内容が第三者に読まれ、私生活や業務上の情報が知られるおそれがあります。",
        "en": "Others could read your messages and learn about your private or business matters.",
    },
    "other": {
        "ja": "情報の内容に応じて、迷惑な連絡や詐欺等に利用されるおそれがあります。",
        "en": "Depending on the information, it could be used for nuisance contact or fraud.",
    },
}

_CAREFUL_CONTACT = {
    "ja": "身に覚えのない連絡や勧誘にはご注意いただき、不審な場合は下記のお問い合わせ先までご連絡ください。",
    "en": "Be cautious about unexpected contact; if anything seems suspicious, please contact us using the "
    "details below.",
}
_CAREFUL_SENSITIVE = {
    "ja": "本件に関連する不審な連絡にはご注意ください。ご不安な点は、下記のお問い合わせ先までご相談ください。",
    "en": "Be cautious about unexpected contact that refers to this information; if you are worried, "
    "please talk to us using the details below.",
}
_PHONE_ADVICE = {
    "ja": "不審な電話やSMSには応答・返信せず、SMSに記載されたリンクは開かないでください。",
    "en": "Do not answer or reply to suspicious calls or text messages, and do not open links in them.",
}

ADVICE: Labels = {
    "name": _CAREFUL_CONTACT,
    "address": {
        "ja": "不審な郵便物や訪問にはご注意いただき、心当たりのない請求等には応じないでください。",
        "en": "Be cautious about unexpected mail or visitors, and do not pay bills you do not recognise.",
    },
    "email": {
        "ja": "当社等をかたる不審なメールのリンクや添付ファイルは開かず、パスワード等を入力しないでください。",
        "en": "Do not open links or attachments in suspicious e-mails, even if they appear to come from us, "
        "and never enter your password in response to them.",
    },
    "phone": _PHONE_ADVICE,
    "mobile_phone": _PHONE_ADVICE,
    "birth_date": {
        "ja": "生年月日を暗証番号やパスワードに使用している場合は、変更をお勧めします。",
        "en": "If you use your date of birth as a PIN or password, please change it.",
    },
    "birthplace": _CAREFUL_SENSITIVE,
    "gender": _CAREFUL_CONTACT,
    "photo": {
        "ja": "ご自身の写真が無断で使用されているのを見つけた場合は、掲載先や下記のお問い合わせ先までご連絡ください。",
        "en": "If you find your photograph used without permission, please report it to the site and to us.",
    },
    "employee_id": _CAREFUL_CONTACT,
    "customer_id": _CAREFUL_CONTACT,
    "government_id": {
        "ja": "身に覚えのない契約や口座開設等の連絡にご注意いただき、不審な場合は発行機関や警察にご相談ください。",
        "en": "Watch for contracts or accounts you did not open; if you see any, contact the issuing authority "
        "or the police.",
    },
    "my_number": {
        "ja": "マイナンバーが不正に用いられるおそれがある場合は、"
        "お住まいの市区町村にマイナンバーの変更を請求できます。",
        "en": "If your My Number may be misused, you can ask the municipality where you live to change it.",
    },
    "ssn": {
        "ja": "信用情報機関に詐欺警告（fraud alert）又はセキュリティ・フリーズ（security freeze）を申請し、"
        "信用情報（credit report）を定期的にご確認ください。",
        "en": "Place a fraud alert or a security freeze on your credit file and check your credit reports regularly "
        "(free at www.annualcreditreport.com).",
    },
    "credit_card": {
        "ja": "カードのご利用明細に身に覚えのない請求がないかご確認いただき、"
        "不審な請求があればカード会社にご連絡のうえ、カードの再発行をご検討ください。",
        "en": "Check your card statements for charges you do not recognise; if you find any, contact your card "
        "issuer and consider asking for a new card.",
    },
    "bank_account": {
        "ja": "口座の入出金明細をご確認いただき、不審な取引や連絡があれば、お取引の金融機関にご相談ください。",
        "en": "Check your bank statements and contact your bank about any transaction or message you do not recognise.",
    },
    "online_banking_credentials": {
        "ja": "直ちにインターネットバンキングのパスワードを変更し、"
        "不審な取引がないかご確認のうえ、金融機関にご連絡ください。",
        "en": "Change your online-banking password now, check for transactions you do not recognise "
        "and tell your bank.",
    },
    "credentials": {
        "ja": "同じID・パスワードを使用している他のサービスを含めてパスワードを変更し、"
        "可能であれば二段階認証を設定してください。",
        "en": "Change your password, including on other services where you use the same one, and turn on two-step "
        "verification where you can.",
    },
    "payment_history": _CAREFUL_CONTACT,
    "purchase_history": _CAREFUL_CONTACT,
    "health": _CAREFUL_SENSITIVE,
    "medical_history": _CAREFUL_SENSITIVE,
    "health_checkup": _CAREFUL_SENSITIVE,
    "disability": _CAREFUL_SENSITIVE,
    "criminal_record": _CAREFUL_SENSITIVE,
    "crime_victim": _CAREFUL_SENSITIVE,
    "race_ethnicity": _CAREFUL_SENSITIVE,
    "religion_creed": _CAREFUL_SENSITIVE,
    "political_opinion": _CAREFUL_SENSITIVE,
    "trade_union": _CAREFUL_SENSITIVE,
    "sexual_orientation": _CAREFUL_SENSITIVE,
    "social_status": _CAREFUL_SENSITIVE,
    "genetic": _CAREFUL_SENSITIVE,
    "biometric": {
        "ja": "生体認証を利用しているサービスについて、他の認証方法への切替えや再登録ができるかご確認ください。",
        "en": "Where you use biometric log-in, check whether you can switch to another method or re-enrol.",
    },
    "location": {
        "ja": "位置情報の共有設定を見直していただき、不審な人物や連絡にご注意ください。",
        "en": "Review your location-sharing settings and be alert to suspicious people or contact.",
    },
    "browsing_history": _CAREFUL_CONTACT,
    "communications_content": {
        "ja": "通信の中にパスワード等が含まれていた場合は変更し、内容に関連する不審な連絡にご注意ください。",
        "en": "If your messages contained passwords or similar secrets, change them, and be cautious about contact "
        "that refers to their content.",
    },
    "other": _CAREFUL_CONTACT,
}

MEASURES: Labels = {
    "misdelivery": {
        "ja": "誤送付先に連絡し、情報の削除又は返却と、閲覧・複製・第三者への提供をしていないことの"
        "確認を依頼しています。あわせて、送付手順を見直しています。",
        "en": "We have contacted the wrong recipient and asked them to delete or return the information and to confirm "
        "that they have not read, copied or passed it on. We are also reviewing how we send information.",
    },
    "loss": {
        "ja": "紛失した媒体の捜索を続けるとともに、警察へ遺失届を提出し、遠隔消去等の可能な措置を講じています。",
        "en": "We are still searching for the lost item, have reported the loss to the police and have taken "
        "available steps such as remote wiping.",
    },
    "theft": {
        "ja": "警察へ被害届を提出し、盗難にあった機器の利用停止や遠隔消去等を行うとともに、事実関係を調査しています。",
        "en": "We have reported the theft to the police, blocked or remotely wiped the stolen equipment where possible "
        "and are investigating what happened.",
    },
    "unauthorized_access": {
        "ja": "不正なアクセスを遮断し、関係するパスワード等を変更したうえで、"
        "外部の専門機関とともに被害の範囲と原因を調査しています。",
        "en": "We have blocked the unauthorised access and changed the affected passwords and keys, and we are "
        "investigating the scope and cause with external specialists.",
    },
    "malware": {
        "ja": "感染した機器をネットワークから隔離し、外部の専門機関とともに情報の外部流出の有無と原因を調査しています。"
        "あわせて、バックアップからの復旧を進めています。",
        "en": "We have isolated the infected systems and are investigating, with external specialists, whether data "
        "left our systems and why. We are also restoring systems from backups.",
    },
    "insider_takeout": {
        "ja": "持ち出された情報の回収・削除を求めるとともに、関係者への調査を行い、必要に応じて警察に相談しています。",
        "en": "We are recovering or having deleted the information that was taken, investigating the people involved "
        "and consulting the police where appropriate.",
    },
    "public_exposure": {
        "ja": "外部から閲覧できる状態を直ちに解消し、アクセス記録から第三者による閲覧の有無を調査しています。"
        "検索サイト等に残る情報の削除も依頼しています。",
        "en": "We have closed the access immediately and are checking the access logs for any viewing by third "
        "parties. We have also asked search engines to remove cached copies.",
    },
    "improper_disposal": {
        "ja": "廃棄された書類・機器の回収に努めるとともに、廃棄手順の遵守状況を調査しています。",
        "en": "We are trying to recover the discarded documents or equipment and are checking how our disposal "
        "procedures were followed.",
    },
    "secondary_use_without_consent": {
        "ja": "当該目的外の利用を停止し、その利用のために作成した情報を削除するとともに、経緯を調査しています。",
        "en": "We have stopped the use for the other purpose, deleted the information prepared for it and are "
        "investigating how it happened.",
    },
    "unauthorized_provision": {
        "ja": "提供先に対し、情報の利用停止と削除又は返却を求めるとともに、経緯を調査しています。",
        "en": "We have asked the recipient to stop using the information and to delete or return it, and we are "
        "investigating how it happened.",
    },
    "other": {
        "ja": "被害の拡大を防止する措置を講じるとともに、事実関係と原因を調査しています。",
        "en": "We have taken steps to stop any further harm and are investigating the facts and the cause.",
    },
}

COUNTRY_NAMES: Labels = {
    "JP": {"ja": "日本", "en": "Japan"},
    "US": {"ja": "米国", "en": "United States"},
    "US-CA": {"ja": "米国カリフォルニア州", "en": "California, USA"},
    "EU": {"ja": "EU・EEA", "en": "EU / EEA"},
    "DE": {"ja": "ドイツ", "en": "Germany"},
    "FR": {"ja": "フランス", "en": "France"},
    "IT": {"ja": "イタリア", "en": "Italy"},
    "ES": {"ja": "スペイン", "en": "Spain"},
    "NL": {"ja": "オランダ", "en": "Netherlands"},
    "IE": {"ja": "アイルランド", "en": "Ireland"},
    "BE": {"ja": "ベルギー", "en": "Belgium"},
    "AT": {"ja": "オーストリア", "en": "Austria"},
    "PL": {"ja": "ポーランド", "en": "Poland"},
    "SE": {"ja": "スウェーデン", "en": "Sweden"},
    "DK": {"ja": "デンマーク", "en": "Denmark"},
    "FI": {"ja": "フィンランド", "en": "Finland"},
    "PT": {"ja": "ポルトガル", "en": "Portugal"},
    "LU": {"ja": "ルクセンブルク", "en": "Luxembourg"},
    "CZ": {"ja": "チェコ", "en": "Czechia"},
    "TH": {"ja": "タイ", "en": "Thailand"},
    "SG": {"ja": "シンガポール", "en": "Singapore"},
    "KR": {"ja": "韓国", "en": "South Korea"},
    "CN": {"ja": "中国", "en": "China"},
    "TW": {"ja": "台湾", "en": "Taiwan"},
    "HK": {"ja": "香港", "en": "Hong Kong"},
    "IN": {"ja": "インド", "en": "India"},
    "VN": {"ja": "ベトナム", "en": "Vietnam"},
    "MY": {"ja": "マレーシア", "en": "Malaysia"},
    "ID": {"ja": "インドネシア", "en": "Indonesia"},
    "PH": {"ja": "フィリピン", "en": "Philippines"},
    "AU": {"ja": "オーストラリア", "en": "Australia"},
    "CA": {"ja": "カナダ", "en": "Canada"},
    "BR": {"ja": "ブラジル", "en": "Brazil"},
    "GB": {"ja": "英国", "en": "United Kingdom"},
    "CH": {"ja": "スイス", "en": "Switzerland"},
}


def label(table: dict[str, dict[str, str]], code: str, language: str) -> str:
    """The `language` label of `code` in `table`, else its English label, else the code itself."""
    entry = table.get(code) or {}
    return entry.get(language) or entry.get("en") or code


# Route targets (docs/contract.md, desk API) and why a role is told now.
TARGET_LABELS: Labels = {
    "security_contact_desk": {"ja": "情報セキュリティインシデント窓口", "en": "security incident contact desk"},
    "promotion_bureau": {"ja": "個人情報保護推進部", "en": "Personal Information Protection Promotion Bureau"},
    "division_manager": {"ja": "部門長", "en": "division manager"},
    "pi_administrator": {"ja": "個人情報保護管理者", "en": "personal information protection administrator"},
    "officer_in_charge": {"ja": "個人情報保護担当役員", "en": "officer in charge of personal information"},
    "privacy_compliance_supervisor": {
        "ja": "プライバシーコンプライアンス責任者",
        "en": "privacy compliance supervisor",
    },
}
REASON_LABELS: Labels = {
    "routed": {"ja": "初回の連絡", "en": "first routing"},
    "escalated": {"ja": "受領確認がないためエスカレーション", "en": "escalated: not acknowledged in time"},
    "manual": {"ja": "デスクによるエスカレーション", "en": "escalated by the desk"},
    "obligation_reminder": {"ja": "義務の期限が近づいています", "en": "an obligation's deadline is near"},
}


# Issue 17: government requests and privacy complaints (the intake forms, the desk, phase 2's summary)
CASE_KIND_LABELS: Labels = {
    "government_request": {"ja": "政府・捜査機関からの情報提供要請", "en": "government or law-enforcement request"},
    "privacy_complaint": {"ja": "個人情報の取扱いに関する苦情", "en": "privacy complaint"},
}

INSTRUMENT_LABELS: Labels = {
    "warrant": {"ja": "令状（捜索差押許可状等）", "en": "warrant"},
    "court_order": {"ja": "裁判所の命令", "en": "court order"},
    "statutory_request": {"ja": "法令に基づく照会（捜査関係事項照会等）", "en": "request under a statute"},
    "informal": {"ja": "任意の依頼（法的根拠の明示なし）", "en": "informal request (no legal instrument cited)"},
}

DECISION_LABELS: Labels = {
    "provide": {"ja": "提供する", "en": "provide"},
    "provide_in_part": {"ja": "一部を提供する", "en": "provide in part"},
    "refuse": {"ja": "提供しない", "en": "refuse"},
    "challenge": {"ja": "異議を申し立てる", "en": "challenge"},
}

COMPLAINANT_LABELS: Labels = {
    "individual": {"ja": "本人・個人", "en": "an individual"},
    "consumer_body": {"ja": "消費者団体", "en": "a consumer body"},
    "authority": {
        "ja": "行政機関（個人情報保護委員会等）",
        "en": "an authority (e.g. the Personal Information Protection Commission)",
    },
}

COMPLAINT_KIND_LABELS: Labels = {
    "general": {"ja": "一般的な苦情・問合せ", "en": "a complaint or question"},
    "gdpr_data_subject_request": {"ja": "GDPRに基づく本人の権利行使", "en": "a data-subject request under the GDPR"},
    "appi_disclosure_request": {"ja": "個人情報保護法に基づく開示請求", "en": "a disclosure request under the APPI"},
    "appi_correction_request": {
        "ja": "個人情報保護法に基づく訂正等の請求",
        "en": "a correction request under the APPI",
    },
    "appi_cessation_request": {
        "ja": "個人情報保護法に基づく利用停止等の請求",
        "en": "a request to stop use under the APPI",
    },
}

# the same codes as the fiscal-year figures count them (the statistics and the annual summary: "2 individuals")
COMPLAINANT_COUNT_LABELS: Labels = {
    "individual": {"ja": "本人・個人", "en": "individuals"},
    "consumer_body": {"ja": "消費者団体", "en": "consumer bodies"},
    "authority": {
        "ja": "行政機関（個人情報保護委員会等）",
        "en": "authorities (e.g. the Personal Information Protection Commission)",
    },
}

COMPLAINT_KIND_COUNT_LABELS: Labels = {
    "general": {"ja": "一般的な苦情・問合せ", "en": "complaints and questions"},
    "gdpr_data_subject_request": {"ja": "GDPRに基づく本人の権利行使", "en": "data-subject requests under the GDPR"},
    "appi_disclosure_request": {"ja": "個人情報保護法に基づく開示請求", "en": "disclosure requests under the APPI"},
    "appi_correction_request": {
        "ja": "個人情報保護法に基づく訂正等の請求",
        "en": "correction requests under the APPI",
    },
    "appi_cessation_request": {
        "ja": "個人情報保護法に基づく利用停止等の請求",
        "en": "requests to stop use under the APPI",
    },
}

COMPLAINT_OUTCOME_LABELS: Labels = {
    "upheld": {"ja": "申出を認めた", "en": "upheld"},
    "partly_upheld": {"ja": "一部を認めた", "en": "partly upheld"},
    "rejected": {"ja": "認めなかった", "en": "rejected"},
    "withdrawn": {"ja": "取り下げ", "en": "withdrawn"},
    "referred": {"ja": "他の窓口へ回付", "en": "referred elsewhere"},
}
