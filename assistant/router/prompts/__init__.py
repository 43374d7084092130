"""The router's prompts: one template file per prompt in this folder."""

from pathlib import Path

from assistant.prompt_files import PromptFolder

_folder = PromptFolder(Path(__file__).parent)
names = _folder.names
render = _folder.render
