// In the embed page: theme from ?theme=, and the page's height posted to the parent whenever it changes,
// in the formats newsroom CMSs already listen for (Datawrapper's and AMP's).
export function startEmbed(): void {
  const theme = new URLSearchParams(location.search).get('theme');
  if (theme === 'dark' || theme === 'light') document.documentElement.dataset.theme = theme;
  const id = document.body.dataset.embed ?? '';
  let last = 0;
  const post = () => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === last || window.parent === window) return;
    last = height;
    window.parent.postMessage({ 'datawrapper-height': { [id]: height } }, '*');
    window.parent.postMessage({ sentinel: 'amp', type: 'embed-size', height }, '*');
  };
  new ResizeObserver(post).observe(document.documentElement);
  document.querySelectorAll('details').forEach((d) => d.addEventListener('toggle', post));
  post();
}
