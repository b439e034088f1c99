#!/usr/bin/env python3
"""Vendor the design system (npm `dkfds`, pinned in package.json) into course/static/vendor/.

Run it after changing package.json; commit what it writes. A fresh install then needs no npm.
Only what the site uses is copied: the neutral-theme CSS, the IBM Plex Sans weights it declares (woff2
only), the icons its rules reference, and an SVG sprite of the icons our templates use. The certificate PDFs
get the TrueType files of two IBM Plex Sans weights (course/certificates/fonts/, with the font's licence).

    python scripts/vendor_assets.py            # npm ci, then copy
    python scripts/vendor_assets.py --no-npm   # reuse node_modules/
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "course" / "static" / "vendor" / "dkfds"
# Icons referenced from our templates through the sprite (``{{ icon("name") }}``).
SPRITE_ICONS = (
    "check",
    "close",
    "error",
    "info",
    "warning",
    "success",
    "arrow-forward",
    "arrow-back",
    "lock",
    "language",
    "videocam",
    "download",
    "print",
    "menu",
    "help",
    "person",
    "email",
    "student",
    "time",
    "file-pdf",
    "persons",
    "settings",
    "send",
    "edit",
    "delete",
    "upload",
    "person-add",
    "chevron-right",
)
FONT_WEIGHTS = {"Regular", "Italic", "Medium", "SemiBold", "Bold"}
CERTIFICATE_FONTS = ROOT / "course" / "certificates" / "fonts"
# fpdf2 embeds a subset of these in each certificate; they cover Danish and Swedish letters.
CERTIFICATE_FONT_WEIGHTS = ("Regular", "Bold")


def run_npm() -> None:
    if shutil.which("npm") is None:
        sys.exit("npm is missing: install Node.js (apt-get install npm) or run with --no-npm")
    subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=ROOT, check=True)


def rewrite_font_faces(css: str, fonts: set[str]) -> str:
    """Keep only woff2 sources of the weights we ship; drop faces we do not ship."""

    def face(match: re.Match[str]) -> str:
        rule = match.group(0)
        woff2 = re.search(r"url\(\.\./fonts/IBMPlexSans/complete/woff2/(IBMPlexSans-(\w+)\.woff2)\)", rule)
        if woff2 is None or woff2.group(2) not in FONT_WEIGHTS:
            return ""
        fonts.add(woff2.group(1))
        src = f'src:url(../fonts/{woff2.group(1)}) format("woff2")'
        return re.sub(r"src:[^;}]*", src, rule)

    return re.sub(r"@font-face\{[^}]*\}", face, css)


def build_sprite(icon_dir: Path) -> str:
    symbols = []
    for name in SPRITE_ICONS:
        svg = (icon_dir / f"{name}.svg").read_text(encoding="utf-8")
        view_box = re.search(r'viewBox="([^"]+)"', svg)
        inner = re.sub(r"^.*?<svg[^>]*>|</svg>\s*$", "", svg.strip(), flags=re.S)
        symbols.append(
            f'<symbol id="{name}" viewBox="{view_box.group(1) if view_box else "0 0 24 24"}">{inner}</symbol>'
        )
    return '<svg xmlns="http://www.w3.org/2000/svg">' + "".join(symbols) + "</svg>\n"


def vendor_certificate_fonts(ttf_dir: Path) -> None:
    """The TrueType weights the certificate PDFs use, with IBM Plex's licence (SIL Open Font License)."""
    CERTIFICATE_FONTS.mkdir(parents=True, exist_ok=True)
    for weight in CERTIFICATE_FONT_WEIGHTS:
        shutil.copy2(ttf_dir / f"IBMPlexSans-{weight}.ttf", CERTIFICATE_FONTS / f"IBMPlexSans-{weight}.ttf")
    shutil.copy2(ttf_dir / "license.txt", CERTIFICATE_FONTS / "LICENSE.txt")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-npm", action="store_true", help="reuse node_modules instead of npm ci")
    args = parser.parse_args()
    if not args.no_npm:
        run_npm()
    dist = ROOT / "node_modules" / "dkfds" / "dist"
    if not dist.is_dir():
        sys.exit(f"{dist} is missing: run without --no-npm")

    if VENDOR.exists():
        shutil.rmtree(VENDOR)
    (VENDOR / "css").mkdir(parents=True)
    (VENDOR / "fonts").mkdir()
    (VENDOR / "img" / "svg-icons").mkdir(parents=True)

    fonts: set[str] = set()
    css = rewrite_font_faces((dist / "css" / "dkfds.min.css").read_text(encoding="utf-8"), fonts)
    css = re.sub(r"/\*# sourceMappingURL=.*?\*/", "", css)
    (VENDOR / "css" / "dkfds.min.css").write_text(css, encoding="utf-8")
    for font in sorted(fonts):
        shutil.copy2(dist / "fonts" / "IBMPlexSans" / "complete" / "woff2" / font, VENDOR / "fonts" / font)
    for icon in sorted(set(re.findall(r"url\(\.\./img/svg-icons/([\w-]+\.svg)\)", css))):
        shutil.copy2(dist / "img" / "svg-icons" / icon, VENDOR / "img" / "svg-icons" / icon)
    (VENDOR / "img" / "icons.svg").write_text(build_sprite(dist / "img" / "svg-icons"), encoding="utf-8")
    shutil.copy2(dist / "LICENSE.md", VENDOR / "LICENSE.md")
    vendor_certificate_fonts(dist / "fonts" / "IBMPlexSans" / "complete" / "ttf")
    version = re.search(r'"version":\s*"([^"]+)"', (dist.parent / "package.json").read_text()).group(1)
    (VENDOR / "VERSION").write_text(f"dkfds {version}\n", encoding="utf-8")
    total = sum(path.stat().st_size for path in VENDOR.rglob("*") if path.is_file())
    print(
        f"vendored dkfds {version} into {VENDOR.relative_to(ROOT)} ({total / 1024:.0f} KiB, "
        f"{len(fonts)} fonts)"
    )


if __name__ == "__main__":
    main()
