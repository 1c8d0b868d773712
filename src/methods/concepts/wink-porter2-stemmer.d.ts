// The package ships no types: it exports one function, word -> Porter2 stem.
declare module 'wink-porter2-stemmer' {
  export default function stem(word: string): string;
}
