;;; eglot_lamina.el --- Emacs + eglot drives `lamina lsp` as a user would  -*- lexical-binding: t; -*-

;; Run by test_emacs_eglot.py: emacs --batch -l eglot_lamina.el, with LAMINA_E2E_ROOT (an echo
;; project), LAMINA_E2E_PYTHON and LAMINA_E2E_RESULT (where the JSON report goes).
;; Steps, each through eglot's own functions: connect; the code actions on the handler's def
;; line (what M-x eglot-code-actions lists); execute "Run ... with other" and "Debug"; break the
;; handler's signature and save, receive the diagnostic, ask for quick fixes (as
;; eglot-code-action-quickfix does) and apply the one offered.

(require 'package)
(package-initialize)  ; Debian's elpa-eglot on Emacs 28 (Emacs 29 has eglot built in)
(require 'eglot)
(require 'json)
(require 'python)

(defvar lamina-report nil)
(defvar lamina-diagnostics nil)

(defun lamina-note (key value)
  (push (cons key value) lamina-report))

(defun lamina-finish (ok message)
  (with-temp-file (getenv "LAMINA_E2E_RESULT")
    (insert (json-encode `((ok . ,(if ok t :json-false)) (message . ,message) ,@lamina-report))))
  (kill-emacs (if ok 0 1)))

(defun lamina-wait (what predicate &optional seconds)
  "Spin the event loop until PREDICATE holds (at most SECONDS, default 60)."
  (let ((deadline (+ (float-time) (or seconds 60))))
    (while (not (funcall predicate))
      (when (> (float-time) deadline)
        (lamina-finish nil (format "timed out waiting for %s" what)))
      (accept-process-output nil 0.05))))

(cl-defmethod eglot-handle-notification :before
  (_server (_method (eql textDocument/publishDiagnostics)) &key uri diagnostics
           &allow-other-keys)
  (when (string-suffix-p "/src/app.py" uri)
    (setq lamina-diagnostics diagnostics)))

(defun lamina-line-actions (server kind)
  "The code actions for the current line, as eglot-code-actions asks for them (a list)."
  (append
   (jsonrpc-request
   server :textDocument/codeAction
   (list :textDocument (eglot--TextDocumentIdentifier)
         :range (list :start (eglot--pos-to-lsp-position (line-beginning-position))
                      :end (eglot--pos-to-lsp-position (line-end-position)))
         :context `(:diagnostics ,(or lamina-diagnostics [])
                    ,@(when kind `(:only [,kind])))))
   nil))

(defun lamina-titles (actions)
  (mapcar (lambda (action) (plist-get action :title)) actions))

(defun lamina-find (actions title)
  (or (seq-find (lambda (action) (equal (plist-get action :title) title)) actions)
      (lamina-finish nil (format "no action %S in %S" title (lamina-titles actions)))))

(defun lamina-execute (server action)
  (let ((command (plist-get action :command)))
    (eglot-execute-command server (intern (plist-get command :command))
                           (plist-get command :arguments))))

(condition-case err
    (let* ((root (file-name-as-directory (getenv "LAMINA_E2E_ROOT")))
           (python (getenv "LAMINA_E2E_PYTHON"))
           (eglot-server-programs `((python-mode . (,python "-m" "lamina" "lsp"))))
           (eglot-sync-connect t)
           (eglot-autoshutdown t))
      (setq-default eglot-workspace-configuration '(:lamina (:defaultEvent "hello")))
      (find-file (expand-file-name "src/app.py" root))
      (python-mode)
      (apply #'eglot (eglot--guess-contact))
      (let ((server (eglot-current-server)))
        (unless server (lamina-finish nil "eglot did not connect"))
        (lamina-note 'server (plist-get (eglot--server-info server) :name))
        ;; The handler's def line: every action (eglot shows no lenses).
        (goto-char (point-min))
        (re-search-forward "^def handler(")
        (let ((actions (lamina-line-actions server nil)))
          (lamina-note 'titles (vconcat (lamina-titles actions)))
          (lamina-note 'kinds (vconcat (delete-dups (mapcar (lambda (a) (plist-get a :kind))
                                                            actions))))
          ;; What `M-x eglot-code-actions' with kind source.lamina keeps (eglot filters by kind).
          (lamina-note 'only-source-lamina
                       (length (lamina-line-actions server "source.lamina")))
          (let ((run (lamina-execute server (lamina-find actions
                                                         "Lamina: Run EchoFunction with other"))))
            (lamina-note 'run run))
          (let ((debug (lamina-execute server (lamina-find
                                               actions
                                               "Lamina: Debug EchoFunction (event hello)"))))
            (lamina-note 'debug debug)))
        ;; Break the signature: the diagnostic arrives, the quick fix restores it.
        (goto-char (point-min))
        (re-search-forward "^def handler(event, context)")
        (replace-match "def handler(event)")
        (setq lamina-diagnostics nil)
        (save-buffer)  ; Lamina checks handlers on open and save
        (lamina-wait "the handler-signature diagnostic"
                     (lambda () (and lamina-diagnostics (> (length lamina-diagnostics) 0))))
        (lamina-note 'diagnostic (plist-get (aref lamina-diagnostics 0) :code))
        (goto-char (point-min))
        (re-search-forward "^def handler(")
        (let* ((fixes (lamina-line-actions server "quickfix"))
               (fix (car fixes)))
          (lamina-note 'quickfixes (vconcat (lamina-titles fixes)))
          (unless fix (lamina-finish nil "no quick fix"))
          (eglot--apply-workspace-edit (plist-get fix :edit))
          (lamina-note 'fixed-line
                       (save-excursion
                         (goto-char (point-min))
                         (re-search-forward "^def handler.*$")
                         (match-string 0))))
        ;; A quick-fix request that carries the diagnostics and no kind (Kate's) runs nothing.
        (lamina-note 'plain-with-diagnostics
                     (vconcat (lamina-titles (lamina-line-actions server nil))))
        (lamina-finish t "ok")))
  (error (lamina-finish nil (format "error: %S" err))))
