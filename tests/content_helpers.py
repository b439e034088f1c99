"""Writable copies of the real course content, to break or poison in tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from course.config import default_data_dir
from course.content import InvalidContentError, load_course


def copy_content(parent: Path) -> Path:
    """A copy of the real ``modules/`` folder in ``parent``; returns the copy's path."""
    target = parent / "modules"
    shutil.copytree(default_data_dir("modules"), target)
    return target


def edit_yaml(path: Path, change) -> None:
    """Load a YAML file, let ``change`` modify the data in place, and write it back."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def errors_for(content_dir: Path) -> list[str]:
    """The messages of the errors that loading ``content_dir`` raises (it must fail)."""
    with pytest.raises(InvalidContentError) as raised:
        load_course(content_dir)
    return [str(error) for error in raised.value.errors]
