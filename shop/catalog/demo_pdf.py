"""Writes small, real PDF documents (text only) for the demo guides, without any PDF library."""

import textwrap

PAGE_WIDTH, PAGE_HEIGHT = 612, 792  # US Letter in points
MARGIN = 72
LINES_PER_PAGE = 46


def _escape(text: str) -> str:
    ascii_text = text.encode("latin-1", "replace").decode("latin-1")
    return ascii_text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _layout(title: str, paragraphs: list[str]) -> list[list[tuple[str, int]]]:
    """Lines as (text, font size), split into pages."""
    lines: list[tuple[str, int]] = [(title, 20), ("", 11)]
    for paragraph in paragraphs:
        for line in textwrap.wrap(paragraph, width=88) or [""]:
            lines.append((line, 11))
        lines.append(("", 11))
    return [lines[i : i + LINES_PER_PAGE] for i in range(0, len(lines), LINES_PER_PAGE)]


def _content_stream(lines: list[tuple[str, int]]) -> bytes:
    parts = ["BT", f"{MARGIN} {PAGE_HEIGHT - MARGIN} Td", "14 TL"]
    for text, size in lines:
        parts.append(f"/F1 {size} Tf ({_escape(text)}) Tj T*")
    parts.append("ET")
    return "\n".join(parts).encode("latin-1")


def render_text_pdf(title: str, paragraphs: list[str]) -> bytes:
    """A valid PDF 1.4 file with the title and paragraphs set in Helvetica."""
    pages = _layout(title, paragraphs)
    objects: list[bytes] = []
    page_ids = [4 + 2 * index for index in range(len(pages))]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{page_id} 0 R" for page_id in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    for index, page_lines in enumerate(pages):
        stream = _content_stream(page_lines)
        objects.append(
            (
                f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}] "
                f"/Resources << /Font << /F1 3 0 R >> >> /Contents {page_ids[index] + 1} 0 R >>"
            ).encode()
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    output = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(output))
        output += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_at = len(output)
    output += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        output += f"{offset:010d} 00000 n \n".encode()
    output += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info << /Title ({_escape(title)}) >> >>\n"
        f"startxref\n{xref_at}\n%%EOF\n"
    ).encode()
    return bytes(output)
