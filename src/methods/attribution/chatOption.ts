// `--chat [auto|on|off]` for every command that explains a prompt (explain, compare, batch). The default is
// auto, as in the extension; `--chat` alone still means on, and `--no-chat` off.
import { InvalidArgumentError, type Command } from 'commander';
import type { ChatSetting } from './chatSetting';

function parseChatMode(value: string): ChatSetting {
  if (value === 'auto') return 'auto';
  if (value === 'on') return true;
  if (value === 'off') return false;
  throw new InvalidArgumentError('use auto, on or off.');
}

export function addChatOption(command: Command, what = 'the prompt', auto = 'when the checkpoint has one'): Command {
  return command
    .option(
      '--chat [mode]',
      `wrap ${what} in the chat template: auto (${auto}), on or off; --chat alone: on`,
      parseChatMode,
      'auto' as ChatSetting,
    )
    .option('--no-chat', 'the same as --chat off');
}
