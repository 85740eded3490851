// One file to POST /api/kb/documents as multipart/form-data (`file`, `category_id`) with
// XMLHttpRequest, whose upload events give the progress bar that fetch cannot. Answers the
// Document (201 new, 200 duplicate) or throws the ApiError the edge's error body describes.
import { ApiError, readAnswer } from './api';
import type { KbDocument } from './documents';

export interface UploadHandle {
  done: Promise<KbDocument>;
  abort: () => void;
}

export function uploadDocument(file: File, categoryId: string, onProgress: (loaded: number, total: number) => void, url = '/api/kb/documents'): UploadHandle {
  const xhr = new XMLHttpRequest();
  const done = new Promise<KbDocument>((resolve, reject) => {
    xhr.open('POST', url);
    xhr.withCredentials = true;
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      try {
        resolve(readAnswer<KbDocument>(xhr.status, xhr.responseText, xhr.statusText, url));
      } catch (e) {
        reject(e);
      }
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'network error'));
    xhr.onabort = () => reject(new ApiError(0, 'aborted', 'aborted'));
    const form = new FormData();
    // category_id first: the edge streams the file part, so what describes it comes before
    if (categoryId) form.append('category_id', categoryId);
    form.append('file', file, file.name);
    xhr.send(form);
  });
  return { done, abort: () => xhr.abort() };
}
