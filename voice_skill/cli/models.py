"""`voice-skill model download|list|remove`: get, list and remove Vosk speech models."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from ..models.catalogue import DEFAULT_MODEL, DOWNLOAD_COMMAND, KNOWN_MODELS


def register(subcommands: argparse._SubParsersAction[Any]) -> None:
    """Add `model download|list|remove` to the voice-skill command line."""
    model = subcommands.add_parser("model", help="download, list or remove Vosk speech models")
    commands = model.add_subparsers(dest="model_command", metavar="COMMAND", required=True)

    download = commands.add_parser(
        "download",
        help=f"download and install a Vosk model (default {DEFAULT_MODEL})",
        description=(
            "Download an official Vosk model, verify its SHA-256 and install it. "
            f"Models with a pinned checksum: {', '.join(KNOWN_MODELS)}. "
            "A mirror (--url) is used only with a checksum: the pinned one of NAME, or --sha256."
        ),
    )
    download.add_argument("name", nargs="?", metavar="NAME", help=f"model name (default {DEFAULT_MODEL})")
    download.add_argument("--url", metavar="URL", help="download the zip from this address (a mirror)")
    download.add_argument("--sha256", metavar="HEX", help="SHA-256 the zip must have")
    download.add_argument("--dest", type=Path, metavar="DIR", help="install into DIR instead of the models directory")

    listing = commands.add_parser("list", help="show installed models and where they are")
    listing.add_argument("--dest", type=Path, metavar="DIR", help="list DIR instead of the models directory")

    remove = commands.add_parser("remove", help="delete an installed model")
    remove.add_argument("name", metavar="NAME")
    remove.add_argument("--dest", type=Path, metavar="DIR", help="remove from DIR instead of the models directory")

    model.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Run `voice-skill model ...`; user mistakes raise SkillError."""
    from ..errors import SkillError, printable
    from ..models.download import download_model
    from ..models.progress import format_size
    from ..models.store import (
        MODEL_ENV,
        check_name,
        installed_models,
        is_model_dir,
        model_from_environment,
        name_from_url,
        remove_model,
        tree_size,
    )
    from ..paths import MODELS_DIR_ENV, models_dir

    if args.model_command == "download":
        name = args.name or name_from_url(args.url) or DEFAULT_MODEL
        directory = models_dir() if args.dest is None else args.dest.expanduser()
        if is_model_dir(directory / check_name(name)):
            print(f"{name} is already installed in {printable(directory / name)}")
            return 0
        path = download_model(name, url=args.url, sha256=args.sha256, dest=directory)
        print(f"Installed {name} in {printable(path)}")
        if args.dest is not None:
            print(f"Use it with --model {printable(path)} or {MODEL_ENV}={printable(path)}")
        return 0
    if args.model_command == "list":
        directory = models_dir() if args.dest is None else args.dest.expanduser()
        origin = f" (from ${MODELS_DIR_ENV})" if args.dest is None and os.environ.get(MODELS_DIR_ENV) else ""
        print(f"Models directory: {printable(directory)}{origin}")
        models = installed_models(directory)
        for model in models:
            print(f"  {model.name}  {format_size(tree_size(model))}")
        if not models:
            print(f"  no models installed; get one with: {DOWNLOAD_COMMAND}")
        from_environment = model_from_environment()
        if from_environment is not None:
            print(f"{MODEL_ENV}={printable(from_environment)} is set and is used first")
        return 0
    if args.model_command == "remove":
        directory = models_dir() if args.dest is None else args.dest.expanduser()
        target = directory / args.name
        removed = remove_model(args.name, dest=directory)
        if target in removed:
            print(f"Removed {args.name} from {printable(directory)}")
        else:
            print(f"Removed a partial download of {args.name} from {printable(directory)}")
        return 0
    raise SkillError(f"unknown model command {args.model_command!r}")
