/**
 * @module renderer/features/airgap/download
 * Hand a file the core produced to the operator as a download, through a Blob URL: works in a
 * browser and in Electron's window alike, with no network and no file system access.
 */
export function saveTextFile(fileName: string, text: string, type = 'application/json'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  // The download has taken its copy; keep the URL a moment for browsers that read it async.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
