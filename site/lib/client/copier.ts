// Adds a "Copier" button next to read-only fields marked data-copier (the fields work without it).
export function enhanceCopy(): void {
  for (const field of document.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('[data-copier]:not([data-copier-ok])')) {
    field.dataset.copierOk = '1';
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Copier';
    const status = document.createElement('span');
    status.setAttribute('role', 'status');
    status.className = 'visually-hidden';
    button.addEventListener('click', async () => {
      field.select();
      try {
        await navigator.clipboard.writeText(field.value);
        status.textContent = 'Copié dans le presse-papiers.';
      } catch {
        status.textContent = 'Sélectionné : copiez avec Ctrl+C.';
      }
      button.textContent = 'Copié';
      setTimeout(() => (button.textContent = 'Copier'), 2000);
    });
    field.insertAdjacentElement('afterend', button);
    button.insertAdjacentElement('afterend', status);
  }
}
