"""`make fork` and `make hub-link` (tools/fork.py): every launch link comes from repository.toml, and a fork's too."""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("fork", ROOT / "tools" / "fork.py")
fork = sys.modules["fork"] = importlib.util.module_from_spec(_spec)  # registered first: its dataclass needs it
_spec.loader.exec_module(fork)

NEW = "someone/course"


def _project_files() -> list[str]:
    """What a fresh clone holds: the tracked files, and the new ones not yet committed (git's own ignore rules)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split("\0")
    return sorted(name for name in listed if name and (ROOT / name).is_file())


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> tuple[Path, dict[str, bytes]]:
    """A copy of the project as a fresh clone would have it, and each of its files' bytes before any fork."""
    folder = tmp_path_factory.mktemp("clone")
    for name in _project_files():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, folder / name)
    return folder, {name: (folder / name).read_bytes() for name in _project_files() if (folder / name).is_file()}


def _make(folder: Path, *arguments: str) -> subprocess.CompletedProcess:
    """make in `folder`, with none of its variables (BRANCH, REPO, HUB) taken from this process's environment."""
    environment = {key: value for key, value in os.environ.items() if key not in {"BRANCH", "REPO", "HUB", "MAKEFLAGS"}}
    return subprocess.run(["make", "--no-print-directory", *arguments, f"PYTHON={sys.executable}"], cwd=folder,
                          capture_output=True, text=True, timeout=60, env=environment)


def _texts(folder: Path, names) -> dict[str, str]:
    return {name: (folder / name).read_text(encoding="utf-8", errors="replace") for name in names}


def test_the_committed_links_agree_with_repository_toml():
    assert fork.problems(ROOT) == []


def test_make_fork_leaves_no_other_address_and_every_badge_names_the_fork(clone):
    copy, originals = clone
    old = fork.read_address(copy)
    before = _texts(copy, originals)
    done = _make(copy, "fork", f"REPO={NEW}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert fork.read_address(copy) == fork.Address(NEW, old.branch)
    after = _texts(copy, originals)
    owner, name = old.repository.split("/")
    for file, text in after.items():  # the grep of the issue: the old address nowhere, plain or URL-encoded
        assert old.repository not in text and f"{owner}%2F{name}" not in text, file
    changed = {file for file in after if after[file] != before[file]}
    assert {"README.md", "INSTRUCTORS.md", "repository.toml"} <= changed
    notebooks = sorted(file for file in after if re.fullmatch(r"(lessons|solutions)/[^/]+\.ipynb", file))
    assert len(notebooks) >= 11 and set(notebooks) <= changed
    for file in [*notebooks, "README.md"]:
        links = fork.COLAB.findall(after[file])
        assert links, f"{file} has no Colab badge"
        for link in links:
            path = link.removeprefix(f"https://colab.research.google.com/github/{NEW}/blob/{old.branch}/")
            assert path != link and (copy / path).is_file(), link
    for file in notebooks:
        assert f"https://colab.research.google.com/github/{NEW}/blob/{old.branch}/{file}" in after[file]
        assert f'REPOSITORY = \\"https://github.com/{NEW}\\"' in after[file]
    binder = f"https://mybinder.org/v2/gh/{NEW}/{old.branch}?urlpath=lab/tree/lessons"
    assert binder in after["README.md"] and binder in after["INSTRUCTORS.md"]
    assert f"--ref {old.branch} https://github.com/{NEW}" in after["INSTRUCTORS.md"]
    assert fork.Address(NEW, old.branch).hub_link("https://hub.example.edu") in after["INSTRUCTORS.md"]
    for other in ("github.com/tensorflow/lucid", "github.com/microsoft/AI-For-Beginners"):  # other projects' links
        assert sum(text.count(other) for text in after.values()) == sum(text.count(other) for text in before.values())
    check = subprocess.run([sys.executable, "tools/fork.py", "--check"], cwd=copy, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    hub = _make(copy, "-s", "hub-link", "HUB=https://hub.example.edu/")
    assert hub.stdout.strip() == ("https://hub.example.edu/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com"
                                  "%2Fsomeone%2Fcourse&branch=main&targetpath=seecat"
                                  "&urlpath=lab%2Ftree%2Fseecat%2Flessons")


def test_forking_back_gives_the_files_back_byte_for_byte(clone):
    copy, originals = clone
    original = fork.Address(*re.findall(r'^(?:repository|branch) = "(.*)"', originals["repository.toml"].decode(),
                                        re.MULTILINE))
    for address in (fork.Address("other-owner/other.name", "fall-2027"), original):
        done = subprocess.run([sys.executable, "tools/fork.py", "--repo", address.repository,
                               "--branch", address.branch], cwd=copy, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
    assert {name: (copy / name).read_bytes() for name in originals} == originals


def _tiny_project(folder: Path, text: str) -> Path:
    (folder / "repository.toml").write_text('# where\nrepository = "old-owner/seecat"\nbranch = "main"\n')
    (folder / "notes.md").write_text(text)
    return folder / "notes.md"


@pytest.mark.parametrize("line, expected", [
    ("https://github.com/old-owner/seecat", "https://github.com/someone/course"),
    ("clone https://github.com/old-owner/seecat.git now", "clone https://github.com/someone/course.git now"),
    ("[x](https://github.com/old-owner/seecat/blob/main/lib/models.py)",
     "[x](https://github.com/someone/course/blob/fall/lib/models.py)"),
    ("https://colab.research.google.com/github/old-owner/seecat/blob/main/lessons/a.ipynb",
     "https://colab.research.google.com/github/someone/course/blob/fall/lessons/a.ipynb"),
    ("https://mybinder.org/v2/gh/old-owner/seecat/main?urlpath=lab/tree/lessons",
     "https://mybinder.org/v2/gh/someone/course/fall?urlpath=lab/tree/lessons"),
    ("repo2docker --ref main https://github.com/old-owner/seecat",
     "repo2docker --ref fall https://github.com/someone/course"),
    ("https://github.com/old-owner/seecat-extras and github.com/old-owner/seecat2",  # other projects: untouched
     "https://github.com/old-owner/seecat-extras and github.com/old-owner/seecat2"),
    ("https://github.com/tensorflow/lucid/blob/main/x.py", "https://github.com/tensorflow/lucid/blob/main/x.py"),
])
def test_each_kind_of_link_is_rewritten_and_no_other(tmp_path, line, expected):
    notes = _tiny_project(tmp_path, line + "\n")
    fork.fork(fork.Address(NEW, "fall"), tmp_path)
    assert notes.read_text() == expected + "\n"
    assert fork.read_address(tmp_path) == fork.Address(NEW, "fall")
    assert (tmp_path / "repository.toml").read_text().startswith("# where\n")


@pytest.mark.parametrize("repository, branch, expected_error", [
    ("someone", "main", "must be owner/name"),
    ("someone/course/extra", "main", "must be owner/name"),
    ("some one/course", "main", "must be owner/name"),
    ("https://github.com/someone/course", "main", "must be owner/name"),
    ("someone/course", "../main", "must be a git branch name"),
    ("someone/course", "-x", "must be a git branch name"),
    ("someone/course", "", "must be a git branch name"),
])
def test_a_bad_address_is_refused_with_what_was_expected(repository, branch, expected_error):
    with pytest.raises(ValueError, match=expected_error):
        fork.Address(repository, branch)


def test_make_fork_refuses_a_bad_address_and_changes_nothing(tmp_path):
    notes = _tiny_project(tmp_path, "https://github.com/old-owner/seecat\n")
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "fork.py"), "--repo", "someone",
                           "--root", str(tmp_path)], capture_output=True, text=True)
    assert done.returncode == 2 and "must be owner/name" in done.stderr and "Traceback" not in done.stderr
    assert notes.read_text() == "https://github.com/old-owner/seecat\n"


@pytest.mark.parametrize("hub, expected", [
    ("https://hub.example.edu", "https://hub.example.edu/hub/user-redirect/git-pull?"),
    ("https://hub.example.edu/", "https://hub.example.edu/hub/user-redirect/git-pull?"),
    ("https://example.edu/jupyter", "https://example.edu/jupyter/hub/user-redirect/git-pull?"),
    ("hub.example.edu", ValueError),
    ("https://hub.example.edu/?x=1", ValueError),
])
def test_the_hub_link(hub, expected):
    address = fork.Address(NEW, "fall")
    if expected is ValueError:
        with pytest.raises(ValueError, match="HUB must be the hub's address"):
            address.hub_link(hub)
        return
    assert address.hub_link(hub) == expected + ("repo=https%3A%2F%2Fgithub.com%2Fsomeone%2Fcourse&branch=fall"
                                                "&targetpath=seecat&urlpath=lab%2Ftree%2Fseecat%2Flessons")


def test_check_names_each_link_that_disagrees(tmp_path):
    (tmp_path / "lessons").mkdir()
    colab = "https://colab.research.google.com/github/old-owner/seecat/blob/main/lessons/"
    (tmp_path / "lessons" / "a.ipynb").write_text(f"{colab}a.ipynb")
    binder = "https://mybinder.org/v2/gh/someone/else/main?urlpath=lab/tree/lessons"
    _tiny_project(tmp_path, f"{colab}gone.ipynb\n{binder}\n")
    found = fork.problems(tmp_path)
    assert any("notes.md" in problem and "gone.ipynb, which is not a file" in problem for problem in found), found
    assert any("notes.md" in problem and "Binder link" in problem and "should start with" in problem
               for problem in found), found
    assert not any("lessons/a.ipynb" in problem for problem in found), found
