"""The dashboard's words in Japanese and English, and how a page picks its language."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

LANGUAGES = ("ja", "en")
LANG_COOKIE = "pidesk_lang"

MESSAGES: dict[str, dict[str, str]] = {
    "app": {"ja": "個人情報インシデントデスク", "en": "Personal-information incident desk"},
    "sign_in": {"ja": "サインイン", "en": "Sign in"},
    "sign_out": {"ja": "サインアウト", "en": "Sign out"},
    "name": {"ja": "ユーザー名", "en": "User name"},
    "password": {"ja": "パスワード", "en": "Password"},
    "invalid": {
        "ja": "ユーザー名またはパスワードが正しくありません。失敗が続いたときは、少し待ってからお試しください。",
        "en": "The user name or password is wrong. After several failures, wait a little before trying again.",
    },
    "expired_form": {
        "ja": "フォームの有効期限が切れました。もう一度お試しください。",
        "en": "The form expired. Please try again.",
    },
    "board": {"ja": "インシデント一覧", "en": "Incident board"},
    "stats": {"ja": "統計", "en": "Statistics"},
    "open_incidents": {"ja": "対応中のインシデント", "en": "Open incidents"},
    "live": {"ja": "自動更新中", "en": "Live"},
    "reconnecting": {"ja": "再接続中…", "en": "Reconnecting…"},
    "filters": {"ja": "絞り込み", "en": "Filters"},
    "all": {"ja": "すべて", "en": "All"},
    "apply": {"ja": "適用", "en": "Apply"},
    "reference": {"ja": "管理番号", "en": "Reference"},
    "kind": {"ja": "事案の種類", "en": "Kind"},
    "company": {"ja": "グループ会社", "en": "Group company"},
    "risk": {"ja": "リスク", "en": "Risk"},
    "next_deadline": {"ja": "次の期限", "en": "Next deadline"},
    "remaining": {"ja": "残り時間", "en": "Time left"},
    "overdue": {"ja": "期限超過", "en": "overdue"},
    "acknowledged_by": {"ja": "受領確認", "en": "Acknowledged by"},
    "not_acknowledged": {"ja": "未確認", "en": "Not acknowledged"},
    "ack_deadline": {"ja": "受領確認の期限", "en": "Acknowledgement due"},
    "no_incidents": {"ja": "対応中のインシデントはありません。", "en": "No open incidents."},
    "ack_state": {"ja": "受領確認の状況", "en": "Acknowledgement"},
    "acknowledged": {"ja": "確認済み", "en": "Acknowledged"},
    "unacknowledged": {"ja": "未確認", "en": "Unacknowledged"},
    "facts": {"ja": "事実関係", "en": "Facts"},
    "assessment": {"ja": "評価", "en": "Assessment"},
    "severity": {"ja": "深刻度（ENISA）", "en": "Severity (ENISA)"},
    "legal_triggers": {"ja": "該当する法的要件", "en": "Legal triggers"},
    "explanation": {"ja": "評価の根拠", "en": "Why"},
    "obligations": {"ja": "義務と期限", "en": "Obligations and deadlines"},
    "obligation": {"ja": "義務", "en": "Obligation"},
    "due_jst": {"ja": "期限（日本時間）", "en": "Due (JST)"},
    "due_utc": {"ja": "期限（UTC）", "en": "Due (UTC)"},
    "basis": {"ja": "根拠", "en": "Legal basis"},
    "status": {"ja": "状態", "en": "Status"},
    "routes": {"ja": "連絡先とエスカレーション", "en": "Routes and escalation"},
    "target": {"ja": "連絡先", "en": "Told"},
    "step": {"ja": "段階", "en": "Step"},
    "notified_at": {"ja": "連絡日時", "en": "Told at"},
    "timeline": {"ja": "経過", "en": "Timeline"},
    "actions": {"ja": "操作", "en": "Actions"},
    "acknowledge": {"ja": "受領を確認する", "en": "Acknowledge"},
    "escalate": {"ja": "エスカレーションする", "en": "Escalate"},
    "escalate_to": {"ja": "エスカレーション先", "en": "Escalate to"},
    "next_tier": {"ja": "次の段階", "en": "the next tier"},
    "add_facts": {"ja": "事実を追加・訂正する", "en": "Add or correct facts"},
    "affected_count": {"ja": "本人の数", "en": "People affected"},
    "encryption": {"ja": "暗号化", "en": "Encryption"},
    "malicious": {"ja": "不正の目的", "en": "Malicious"},
    "unknown": {"ja": "不明", "en": "unknown"},
    "yes": {"ja": "はい", "en": "yes"},
    "no": {"ja": "いいえ", "en": "no"},
    "publicly_viewable": {"ja": "不特定多数が閲覧可能", "en": "Publicly viewable"},
    "recovered": {"ja": "閲覧前に回収", "en": "Recovered before access"},
    "save_facts": {"ja": "保存して再評価する", "en": "Save and re-assess"},
    "mark_done": {"ja": "完了にする", "en": "Mark done"},
    "close": {"ja": "クローズする", "en": "Close the incident"},
    "notices": {"ja": "お知らせ・報告", "en": "Notices"},
    "preview": {"ja": "プレビューと承認", "en": "Preview and approve"},
    "preview_only": {"ja": "プレビュー", "en": "Preview"},
    "recipients": {"ja": "送信先", "en": "Recipients"},
    "recipients_help": {
        "ja": "1行に1人、CSV形式（email,name,language）で入力するか、CSVファイルを選んでください。"
        "language は ja か en。",
        "en": "One person a line as CSV (email,name,language), or choose a CSV file. language is ja or en.",
    },
    "recipients_file": {"ja": "CSVファイル", "en": "CSV file"},
    "approve": {"ja": "承認して発行する", "en": "Approve and issue"},
    "approved": {"ja": "承認しました", "en": "Approved"},
    "gaps_warning": {
        "ja": "未記入の箇所が {n} か所あります。承認前に通知文を完成させてください。",
        "en": "{n} places are still to be completed. Complete the wording before approving.",
    },
    "progress": {"ja": "送信状況", "en": "Progress"},
    "sent": {"ja": "送信済み", "en": "sent"},
    "failed": {"ja": "失敗", "en": "failed"},
    "pending": {"ja": "送信待ち", "en": "pending"},
    "done_ok": {"ja": "完了しました。", "en": "Done."},
    "failed_action": {"ja": "できませんでした", "en": "Could not do that"},
    "read_only": {
        "ja": "監査役として閲覧しています。操作はできません。",
        "en": "You are signed in as an auditor: you can see everything and change nothing.",
    },
    "back_to_board": {"ja": "一覧へ戻る", "en": "Back to the board"},
    "back_to_incident": {"ja": "インシデントへ戻る", "en": "Back to the incident"},
    "fiscal_year": {"ja": "年度", "en": "Fiscal year"},
    "fy_label": {"ja": "{y}年度（{y}年4月〜{y1}年3月）", "en": "FY{y} (April {y} – March {y1})"},
    "by_kind": {"ja": "事案の種類別", "en": "By kind"},
    "by_risk": {"ja": "リスク別", "en": "By risk"},
    "by_company": {"ja": "グループ会社別", "en": "By group company"},
    "regulator_reports": {"ja": "当局への報告", "en": "Regulator reports made"},
    "deadlines": {"ja": "期限の遵守", "en": "Deadlines"},
    "reports_by_authority": {"ja": "当局別の報告", "en": "Reports by authority"},
    "reports_by_authority_help": {
        "ja": "この年度に受け付けたインシデントで求められた報告。期限後の提出と未提出の期限超過を「期限超過」に計上。",
        "en": "Reports the incidents received this fiscal year called for. Filed late or overdue counts as missed.",
    },
    "authority": {"ja": "報告先", "en": "Authority"},
    "reports_due": {"ja": "要報告", "en": "Due"},
    "reports_done": {"ja": "報告済み", "en": "Done"},
    "reports_missed": {"ja": "期限超過", "en": "Missed"},
    "authority_ppc": {"ja": "個人情報保護委員会", "en": "PPC (Japan)"},
    "authority_gdpr_sa": {"ja": "GDPR監督機関", "en": "GDPR supervisory authority"},
    "authority_ico": {"ja": "英国情報コミッショナー（ICO）", "en": "ICO (UK)"},
    "authority_cac": {"ja": "中国国家インターネット情報弁公室（CAC）", "en": "CAC (China)"},
    "authority_oaic": {"ja": "豪州情報コミッショナー（OAIC）", "en": "OAIC (Australia)"},
    "authority_dpb_in": {"ja": "インドデータ保護委員会", "en": "Data Protection Board of India"},
    "authority_cert_in": {"ja": "CERT-In（インド）", "en": "CERT-In (India)"},
    "authority_anpd": {"ja": "ブラジル国家データ保護庁（ANPD）", "en": "ANPD (Brazil)"},
    "authority_npc": {"ja": "フィリピン国家プライバシー委員会（NPC）", "en": "NPC (Philippines)"},
    "authority_pmark_body": {"ja": "プライバシーマーク審査機関", "en": "Privacy Mark examination body"},
    "authority_pdpc_th": {"ja": "タイ個人データ保護委員会事務局", "en": "PDPC Office (Thailand)"},
    "authority_pdpc_sg": {"ja": "シンガポール個人情報保護委員会", "en": "PDPC (Singapore)"},
    "authority_pipc_kr": {"ja": "韓国個人情報保護委員会", "en": "PIPC (Korea)"},
    "authority_ca_ag": {"ja": "カリフォルニア州司法長官", "en": "California Attorney General"},
    "due_local": {"ja": "当局の現地時間", "en": "authority's local time"},
    "met": {"ja": "期限内", "en": "met"},
    "missed": {"ja": "期限超過", "en": "missed"},
    "open_due": {"ja": "未完了（期限前）", "en": "open, not yet due"},
    "incidents": {"ja": "件数", "en": "Incidents"},
    "count": {"ja": "件数", "en": "Count"},
    "csv_export": {"ja": "CSVで書き出す", "en": "Export as CSV"},
    "total": {"ja": "合計", "en": "Total"},
    "switch_language": {"ja": "English", "en": "日本語"},
    "reported_at": {"ja": "報告日時", "en": "Reported"},
    "categories": {"ja": "個人情報の項目", "en": "Data involved"},
    "regions": {"ja": "本人の所在", "en": "Where the people are"},
    "aware_at": {"ja": "把握した日時", "en": "Became aware"},
    "source": {"ja": "報告元", "en": "Source"},
    "incident": {"ja": "インシデント", "en": "Incident"},
    "by": {"ja": "実施者", "en": "By"},
    "at": {"ja": "日時", "en": "At"},
    "event": {"ja": "出来事", "en": "Event"},
    "language": {"ja": "言語", "en": "Language"},
    "subject": {"ja": "件名", "en": "Subject"},
    "edit_wording": {"ja": "文面を編集する", "en": "Edit the wording"},
    "body_markdown": {"ja": "本文（Markdown）", "en": "Body (Markdown)"},
    "save": {"ja": "保存する", "en": "Save"},
    "alerts_n": {"ja": "アラート{n}件", "en": "{n} alerts"},
    "last_alert": {"ja": "最新", "en": "last"},
    "grouped_alerts": {"ja": "集約されたアラート", "en": "Grouped alerts"},
    "alerts_in_all": {"ja": "全{n}件（新しい順）", "en": "{n} in all, newest first"},
    "alert_source": {"ja": "検知元", "en": "Source"},
    "alert_id": {"ja": "アラートID", "en": "Alert ID"},
    "alert_time": {"ja": "受信日時", "en": "Received"},
    "alert_rule": {"ja": "ルール", "en": "Rule"},
    "alert_asset": {"ja": "場所", "en": "Asset"},
    "alert_actor": {"ja": "操作者", "en": "Actor"},
    "detections": {"ja": "検出数", "en": "Detections"},
    "split": {"ja": "別のインシデントに分離", "en": "Split out"},
    "older_alerts": {"ja": "さらに古いアラート", "en": "Older alerts"},
    "newest_alerts": {"ja": "最新のアラートへ", "en": "Newest alerts"},
    "merge": {"ja": "別のインシデントに統合する", "en": "Merge into another incident"},
    "merge_into": {"ja": "統合先", "en": "Merge into"},
    "merge_help": {
        "ja": "このインシデントのアラートと事実は統合先に移り、このインシデントは「統合済み」としてクローズされます。",
        "en": "This incident's alerts and facts move to the one chosen; this one is closed as merged.",
    },
    "merge_button": {"ja": "統合する", "en": "Merge"},
    "follows": {"ja": "前のインシデント", "en": "Follows"},
    "merged_into_note": {"ja": "このインシデントは次に統合されました:", "en": "This incident was merged into"},
    "alerts": {"ja": "アラート", "en": "Alerts"},
    "snoozes": {"ja": "スヌーズ", "en": "Snoozes"},
    "snoozes_title": {"ja": "スヌーズ（誤検知アラートの一時停止）", "en": "Snoozes (silencing known noise)"},
    "snoozes_help": {
        "ja": "条件に一致するアラートは保存・集計・一覧表示されますが、期限まではインシデントとして連絡されず、"
        "メールも送られません。ただし法定の義務が生じる場合は、スヌーズに一致しても通常どおり対応します。",
        "en": "Alerts matching a snooze are stored, counted and listed, but raise no routed incident and no mail "
        "until it ends. A snooze never hides an alert whose facts trigger a statutory obligation.",
    },
    "snoozed_incidents_n": {"ja": "スヌーズ中のインシデント {n}件", "en": "{n} snoozed incidents"},
    "snoozed_incidents": {"ja": "スヌーズ中のインシデント", "en": "Snoozed incidents"},
    "no_snoozed_incidents": {"ja": "スヌーズ中のインシデントはありません。", "en": "No snoozed incidents."},
    "running_snoozes": {"ja": "実行中のスヌーズ", "en": "Running snoozes"},
    "past_snoozes": {"ja": "終了したスヌーズ", "en": "Past snoozes"},
    "no_snoozes": {"ja": "ありません。", "en": "None."},
    "new_snooze": {"ja": "スヌーズを作成する", "en": "Create a snooze"},
    "snooze_filter_help": {
        "ja": "* と ? を使えます（大文字・小文字は区別しません）。空欄はすべてに一致します。"
        "少なくとも1つ指定してください。",
        "en": "Use * and ? as wildcards (case does not matter). A blank field matches anything; fill in at least one.",
    },
    "snooze_source": {"ja": "検知元", "en": "Source"},
    "snooze_rule": {"ja": "ルール・検出器", "en": "Rule or detector"},
    "snooze_asset": {"ja": "場所（バケット、サイト、リポジトリ等）", "en": "Asset (bucket, site, repository…)"},
    "snooze_actor": {"ja": "操作者", "en": "Actor"},
    "snooze_reason": {"ja": "理由", "en": "Reason"},
    "snooze_for": {"ja": "期間", "en": "For"},
    "snooze_until": {"ja": "または終了日時", "en": "or until"},
    "snooze_button": {"ja": "スヌーズする", "en": "Snooze"},
    "snooze_filter": {"ja": "条件", "en": "Filter"},
    "snooze_expires": {"ja": "期限", "en": "Ends"},
    "snooze_created": {"ja": "作成", "en": "Created"},
    "snooze_matched": {"ja": "一致", "en": "Matched"},
    "snooze_matched_n": {
        "ja": "アラート{alerts}件・インシデント{incidents}件（うちスヌーズ中{snoozed}件）",
        "en": "{alerts} alerts, {incidents} incidents ({snoozed} snoozed)",
    },
    "end_snooze": {"ja": "今すぐ終了する", "en": "End now"},
    "unsnooze": {"ja": "スヌーズを解除して連絡する", "en": "Un-snooze and route"},
    "snooze_id": {"ja": "スヌーズ #{id}", "en": "snooze #{id}"},
    "snoozed_note": {
        "ja": "このインシデントは{snooze}（{reason}）によりスヌーズ中です。連絡・タイマー・メールはありません。",
        "en": "This incident is snoozed by {snooze} ({reason}): no routing, no timers, no mail.",
    },
    "overridden_note": {
        "ja": "{snooze}に一致しましたが、法定の義務があるため通常どおり対応しています。",
        "en": "Matched {snooze}, but a statutory obligation overrides it: handled as usual.",
    },
    "opened_note": {
        "ja": "{snooze}でスヌーズされていましたが、その後解除されました。",
        "en": "Was snoozed by {snooze}, and has been opened since.",
    },
    "minutes_30": {"ja": "30分", "en": "30 minutes"},
    "hours_n": {"ja": "{n}時間", "en": "{n} hours"},
    "days_n": {"ja": "{n}日", "en": "{n} days"},
    # the company sign-in (OIDC)
    "company_sign_in": {"ja": "会社のアカウントでサインイン", "en": "Sign in with your company account"},
    "break_glass": {"ja": "デスクのアカウント（緊急用）でサインイン", "en": "Or with a desk account (break-glass)"},
    "oidc_failed": {
        "ja": "会社のアカウントでのサインインを完了できませんでした。もう一度お試しください。",
        "en": "The sign-in with your company account did not complete. Please try again.",
    },
    "oidc_unavailable": {
        "ja": "会社の認証サービスに接続できませんでした。しばらくしてからお試しください。",
        "en": "The company's sign-in service could not be reached. Please try again later.",
    },
    "oidc_no_role": {
        "ja": "会社のアカウントは確認できましたが、デスクの役割が割り当てられたグループに所属していません。"
        "個人情報保護管理者に、デスクのグループへの追加を依頼してください。",
        "en": "Your company account was recognised, but none of your groups gives you a role on the desk. "
        "Ask the PI administrator to add you to a desk group.",
    },
    "oidc_disabled": {
        "ja": "このデスクのアカウントは無効にされています。",
        "en": "Your desk account has been disabled.",
    },
    "oidc_name_taken": {
        "ja": "この名前のデスクのアカウントは別の人のものです。個人情報保護管理者に連絡してください。",
        "en": "A desk account of this name belongs to someone else. Ask the PI administrator.",
    },
    "signed_in_title": {"ja": "サインインしました", "en": "Signed in"},
    "signed_in_as": {
        "ja": "{name}（{role}）としてサインインしました。デスクへ移動します…",
        "en": "Signed in as {name} ({role}). On to the desk…",
    },
    "continue_to_desk": {"ja": "デスクへ進む", "en": "Continue to the desk"},
    # the personal-information ledger (issue 16)
    "ledger": {"ja": "個人情報管理台帳", "en": "PI ledger"},
    "ledger_title": {"ja": "個人情報管理台帳", "en": "Personal-information ledger"},
    "ledger_help": {
        "ja": "グループ各社が取り扱う個人情報の台帳です（JIS Q 15001 A.3.3.1）。DLP のアラートが台帳の資産を指すと、"
        "報告にない事実（人数・項目・地域など）を台帳から補って評価します。台帳の変更はデスク API または "
        "pidesk ledger import で行います。",
        "en": "The group companies' holdings of personal information (JIS Q 15001 A.3.3.1). When a DLP alert names "
        "an asset in the ledger, the facts the report lacks (count, data, regions…) are taken from its entry. "
        "Change the ledger through the desk API or pidesk ledger import.",
    },
    "ledger_search": {"ja": "検索", "en": "Search"},
    "asset_type": {"ja": "資産の種類", "en": "Asset type"},
    "asset_type_s3": {"ja": "S3 バケット", "en": "S3 bucket"},
    "asset_type_sharepoint": {"ja": "SharePoint / OneDrive サイト", "en": "SharePoint / OneDrive site"},
    "asset_type_github": {"ja": "GitHub リポジトリ", "en": "GitHub repository"},
    "asset_type_mailbox": {"ja": "メールボックス", "en": "Mailbox"},
    "asset_type_google_drive": {"ja": "Google ドライブ", "en": "Google Drive"},
    "asset_type_app": {"ja": "クラウドアプリ", "en": "Cloud app"},
    "asset_type_other": {"ja": "その他", "en": "Other"},
    "ledger_status_in_force": {"ja": "有効", "en": "In force"},
    "ledger_status_retired": {"ja": "廃止", "en": "Retired"},
    "ledger_status_all": {"ja": "すべて", "en": "All"},
    "ledger_entries": {"ja": "台帳の項目", "en": "Entries"},
    "ledger_entry": {"ja": "台帳の項目", "en": "Ledger entry"},
    "ledger_name": {"ja": "名称", "en": "Name"},
    "ledger_owner": {"ja": "所管（会社・部門）", "en": "Owner (company, division)"},
    "ledger_assets": {"ja": "資産", "en": "Assets"},
    "ledger_version": {"ja": "版", "en": "Version"},
    "ledger_retired": {"ja": "廃止", "en": "retired"},
    "no_ledger_entries": {"ja": "該当する項目はありません。", "en": "No entries match."},
    "next_page": {"ja": "次のページ", "en": "Next page"},
    "ledger_purpose": {"ja": "利用目的", "en": "Purpose of use"},
    "ledger_legal_basis": {"ja": "取得の根拠・同意", "en": "Legal basis or consent"},
    "ledger_role": {"ja": "立場", "en": "Role"},
    "ledger_retention": {"ja": "保存期間", "en": "Retention"},
    "ledger_storage": {"ja": "保管場所・越境移転", "en": "Storage and transfers"},
    "ledger_responsible": {"ja": "管理責任者", "en": "Person responsible"},
    "ledger_incidents": {"ja": "この項目に関わるインシデント", "en": "Incidents involving it"},
    "ledger_no_incidents": {
        "ja": "この項目の資産に関わるインシデントはありません。",
        "en": "No incident names its assets.",
    },
    "ledger_history": {"ja": "変更履歴", "en": "History"},
    "ledger_when": {"ja": "日時", "en": "When"},
    "ledger_by": {"ja": "変更者", "en": "By"},
    "ledger_change": {"ja": "変更", "en": "Change"},
    "ledger_changed_fields": {"ja": "変更した項目", "en": "Fields changed"},
    "ledger_change_created": {"ja": "登録", "en": "created"},
    "ledger_change_updated": {"ja": "更新", "en": "updated"},
    "ledger_change_retired": {"ja": "廃止", "en": "retired"},
    "ledger_change_restored": {"ja": "再開", "en": "restored"},
    "ledger_match": {"ja": "個人情報管理台帳との照合", "en": "Personal-information ledger"},
    "ledger_matched": {"ja": "該当する台帳の項目", "en": "Matched entries"},
    "ledger_filled": {"ja": "台帳から補った事実", "en": "Facts taken from the ledger"},
    "ledger_routed_to": {"ja": "所管（連絡先の決定に使用）", "en": "Owner (routed to)"},
    "not_in_ledger": {"ja": "台帳に未登録", "en": "Not in the ledger"},
    "not_in_ledger_help": {
        "ja": "次の資産はどの台帳の項目にも該当しません。台帳への登録漏れとして確認してください（PMS の監査所見）。",
        "en": "No ledger entry covers these assets: check whether the ledger misses them (a PMS audit finding).",
    },
    "by_ledger_entry": {"ja": "台帳の項目別", "en": "By ledger entry"},
    "by_holding_company": {"ja": "保有会社別（台帳）", "en": "By holding company (ledger)"},
    "holdings_without_incident": {"ja": "インシデントのない台帳の項目", "en": "Holdings with no incident"},
    "unknown_asset_incidents": {"ja": "台帳に未登録の資産に関するアラート", "en": "Alerts on assets not in the ledger"},
    # the fiscal-year disclosure (issue 17): complaints and government requests, the annual summary
    "complaints_title": {"ja": "個人情報に関する苦情", "en": "Privacy complaints"},
    "complaints_help": {
        "ja": "この年度に受け付けた苦情・請求（本人、消費者団体、行政機関から）。結果が未記録のものは「対応中」。",
        "en": "Complaints and requests received this fiscal year (from individuals, consumer bodies and "
        "authorities). Those with no outcome recorded yet are “in progress”.",
    },
    "requests_title": {
        "ja": "政府・捜査機関等からの個人情報の提供要請",
        "en": "Government and law-enforcement requests",
    },
    "requests_help": {
        "ja": "この年度に受け付けた要請。判断が未記録のものは「対応中」。",
        "en": "Requests received this fiscal year. Those with no decision recorded yet are “in progress”.",
    },
    "by_complainant": {"ja": "申出者別", "en": "By complainant"},
    "by_request_kind": {"ja": "請求の種類別", "en": "By kind of request"},
    "by_outcome": {"ja": "結果別", "en": "By outcome"},
    "by_authority_country": {"ja": "要請機関の国・地域別", "en": "By the authority's country"},
    "by_instrument": {"ja": "根拠別", "en": "By legal instrument"},
    "by_decision": {"ja": "判断別", "en": "By decision"},
    "case_pending": {"ja": "対応中", "en": "in progress"},
    "confidential_cell": {
        "ja": "守秘命令の対象（内訳非開示）",
        "en": "under a confidentiality order (not broken down)",
    },
    "confidential_help": {
        "ja": "守秘命令の対象となる要請は、合計に含め、各内訳では国・根拠・判断に計上せず"
        "「守秘命令の対象（内訳非開示）」にのみ計上しています。要請機関名・受付番号はいずれの集計にも表示しません。",
        "en": "Requests under a confidentiality order are counted in the total and, in each breakdown, only "
        "as “under a confidentiality order (not broken down)”: never by country, instrument or decision. No "
        "authority or reference of any request is shown in the figures.",
    },
    "summary": {"ja": "年度報告の要約", "en": "Annual summary"},
    "summary_title": {"ja": "{y}年度 個人情報の取扱いに関する報告", "en": "FY{y} report on personal information"},
    "summary_period": {
        "ja": "対象期間：{y}年4月1日〜{y1}年3月31日（日本時間）",
        "en": "Period: 1 April {y} – 31 March {y1} (Japan time)",
    },
    "summary_item": {"ja": "項目", "en": "Item"},
    "figure_incidents": {"ja": "個人情報の漏えい等の事案", "en": "Personal-information incidents"},
    "figure_complaints": {
        "ja": "外部からの個人情報に関する苦情（本人・行政機関等から）",
        "en": "External complaints about privacy (from individuals and from authorities)",
    },
    "figure_requests": {
        "ja": "政府・捜査機関等からの個人情報の提供要請",
        "en": "Requests from governments or law-enforcement agencies to provide personal information",
    },
    "summary_incidents_note": {
        "ja": "事案：この年度に受け付けたインシデント"
        "（統合されたものは統合先の1件として数え、スヌーズにより誤検知とされたものを除く）。",
        "en": "Incidents: those received in the fiscal year (a merged incident counted once, as the one it was "
        "merged into; alerts silenced as noise excluded).",
    },
    "summary_cases_note": {
        "ja": "苦情・要請：この年度に受け付けたもの。結果・判断は作成日時点のもの。",
        "en": "Complaints and requests: those received in the fiscal year, with their outcome or decision as "
        "of the date generated.",
    },
    "summary_generated": {"ja": "作成日時", "en": "Generated"},
}

# statuses and timeline events as the API names them, shown in words
WORDS: dict[str, dict[str, str]] = {
    "open": {"ja": "対応中", "en": "open"},
    "closed": {"ja": "クローズ", "en": "closed"},
    "pending": {"ja": "未完了", "en": "pending"},
    "done": {"ja": "完了", "en": "done"},
    "withdrawn": {"ja": "取り下げ", "en": "withdrawn"},
    "drafted": {"ja": "下書き", "en": "draft"},
    "approved": {"ja": "承認済み", "en": "approved"},
    "sending": {"ja": "送信中", "en": "sending"},
    "sent": {"ja": "発行済み", "en": "issued"},
    "failed": {"ja": "失敗", "en": "failed"},
    "reported": {"ja": "報告受付", "en": "reported"},
    "assessed": {"ja": "評価", "en": "assessed"},
    "notified": {"ja": "連絡", "en": "told"},
    "escalated": {"ja": "エスカレーション", "en": "escalated"},
    "acknowledged": {"ja": "受領確認", "en": "acknowledged"},
    "updated": {"ja": "事実の更新", "en": "facts updated"},
    "obligation_done": {"ja": "義務の完了", "en": "obligation done"},
    "obligation_opened": {"ja": "義務の追加", "en": "obligation opened"},
    "notice_approved": {"ja": "お知らせの承認", "en": "notice approved"},
    "notice_issued": {"ja": "お知らせの発行", "en": "notice issued"},
    "routed": {"ja": "初回連絡", "en": "first routing"},
    "manual": {"ja": "手動", "en": "by the desk"},
    "obligation_reminder": {"ja": "期限の催促", "en": "deadline reminder"},
    "data_subject": {"ja": "本人への通知", "en": "data-subject notice"},
    "public": {"ja": "公表", "en": "public notice"},
    "regulator_draft": {"ja": "当局への報告案", "en": "regulator draft"},
    "none": {"ja": "なし", "en": "none"},
    "standard": {"ja": "標準的な暗号化", "en": "standard"},
    "high_level": {"ja": "高度な暗号化", "en": "high-level"},
    "merged": {"ja": "統合済み", "en": "merged"},
    "alerts_grouped": {"ja": "アラートの集約", "en": "alerts grouped"},
    "group_update": {"ja": "集約の続報", "en": "group update"},
    "alert_split": {"ja": "アラートの分離", "en": "alert split out"},
    "split_from": {"ja": "分離して作成", "en": "split out"},
    "merged_into": {"ja": "統合", "en": "merged"},
    "merged_from": {"ja": "統合の受け入れ", "en": "merge received"},
    "follows": {"ja": "前のインシデントの続き", "en": "follows a closed incident"},
    "followed_by": {"ja": "後続のインシデント", "en": "followed by"},
    "forwarded": {"ja": "統合先へ転送", "en": "passed on"},
    "snoozed": {"ja": "スヌーズ中", "en": "snoozed"},
    "snooze_overridden": {"ja": "スヌーズより法定義務を優先", "en": "snooze overridden"},
    "unsnoozed": {"ja": "スヌーズ解除", "en": "un-snoozed"},
    "running": {"ja": "実行中", "en": "running"},
    "ended": {"ja": "早期終了", "en": "ended early"},
    "expired": {"ja": "期限切れ", "en": "expired"},
    "scheduled": {"ja": "開始前", "en": "scheduled"},
    "ledger_changed": {"ja": "台帳の変更による再評価", "en": "re-assessed: ledger changed"},
    "controller": {"ja": "管理者（自社の個人情報）", "en": "controller"},
    "processor": {"ja": "受託者（委託元のため）", "en": "processor"},
}


def word(value: object, language: str) -> str:
    """A status or event code in words (the code itself when there are none)."""
    text = str(value)
    return WORDS.get(text, {}).get(language, text)


def language_of(request: Request) -> str:
    """`?lang=`, else the language cookie, else the browser's first choice of ja/en (default ja)."""
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if asked in LANGUAGES:
        return asked
    for part in request.headers.get("accept-language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "ja"


def translator(language: str) -> Callable[..., str]:
    """`t("key", n=3)` in `language`; an unknown key shows itself (a missing word is visible, not fatal)."""

    def t(key: str, **values: object) -> str:
        text = MESSAGES.get(key, {}).get(language) or key
        return text.format(**values) if values else text

    return t
