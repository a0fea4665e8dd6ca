"""One mail as MIME: ``multipart/alternative`` (plain text, then HTML) with the headers RFC 8058 asks for.

``List-Unsubscribe`` names the one-click https link (no ``mailto:``), and
``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` tells the mailbox
provider it may POST there without showing a page. ``Auto-Submitted``
(RFC 3834) keeps vacation responders from answering.
"""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from urllib.parse import urlsplit


def build_message(
    *, sender: str, sender_name: str, to: str, subject: str, text: str, html: str, unsubscribe_url: str | None,
    base_url: str, at: datetime, reference: str | None = None,
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((sender_name, sender))
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(at)
    domain = urlsplit(base_url).hostname or "localhost"
    message["Message-ID"] = make_msgid(idstring=reference, domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    if unsubscribe_url:
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message
