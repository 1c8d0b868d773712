// The one-line notice the views show while the model is the embedded demonstrator pair, with the Add Model
// action beside it (the host adds a model folder and makes it active).
import { el } from './dom';
import { button } from './toolkit';

export function demonstratorNotice(text: string | null, addModel: () => void): HTMLElement | null {
  if (text === null) return null;
  return el(
    'p',
    { class: 'notice', role: 'note', id: 'demonstrator-notice' },
    el('span', {}, text),
    button('Add Model…', addModel, {
      secondary: true,
      id: 'add-model',
      title: 'Add a model folder (Hugging Face checkpoint or GGUF) and make it the active model',
    }),
  );
}
