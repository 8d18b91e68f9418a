"""The employee report form: plain-language choices in Japanese and English, mapped to the contract."""
