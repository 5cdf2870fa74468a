;;; lsp_mode_lamina.el --- Emacs + lsp-mode renders Lamina's lenses and runs one  -*- lexical-binding: t; -*-

;; Run by test_emacs_lsp_mode.py: emacs --batch -l lsp_mode_lamina.el, with LAMINA_E2E_ROOT
;; (an echo project), LAMINA_E2E_PYTHON and LAMINA_E2E_RESULT. lsp-mode (Debian's elpa-lsp-mode
;; 8.0) connects, lsp-lens-mode draws the lenses as overlays over the handler, and the Run
;; lens's own action runs it; the result arrives as lamina/invocationResult. Then dap-mode
;; (elpa-dap-mode 0.7, dap-python): a breakpoint in the handler, the Debug lens, and the
;; lamina/debugReady attach configuration handed to `dap-debug' with its type "debugpy" turned
;; into dap-python's "python" (the one-line conversion docs/debugging.md gives); the
;; breakpoint is hit, the session continues, and the debug run's result arrives.

(require 'package)
(package-initialize)
;; No debugger UI (windows, tooltips): a batch Emacs has no frame to draw them in.
(setq lsp-enable-dap-auto-configure nil
      dap-auto-configure-features nil)
(require 'lsp-mode)
(require 'lsp-lens)
(require 'dap-mode)
(require 'dap-python)
(require 'dap-ui)  ; dap-mode reads its exception-breakpoint settings (the UI stays off)
(require 'json)
(require 'python)

(defvar lamina-report nil)
(defvar lamina-results nil)
(defvar lamina-stopped nil)

(defun lamina-attach (_workspace config)
  "lamina/debugReady: attach dap-mode with the configuration, as a user's handler would."
  (let ((connect (gethash "connect" config)))
    (dap-debug (list :type "python" :request "attach" :name "Lamina" :debugger 'debugpy
                     :connect (list :host (gethash "host" connect) :port (gethash "port" connect))
                     :justMyCode t :redirectOutput t))))

(add-hook 'dap-stack-frame-changed-hook
          (lambda (session)
            (let ((frame (dap--debug-session-active-frame session)))
              (when frame  ; the stack trace of a stop has arrived
                (setq lamina-stopped
                      (list :line (gethash "line" frame)
                            :path (gethash "path" (gethash "source" frame))))))))

(defun lamina-note (key value)
  (push (cons key value) lamina-report))

(defun lamina-finish (ok message)
  (with-temp-file (getenv "LAMINA_E2E_RESULT")
    (insert (json-encode `((ok . ,(if ok t :json-false)) (message . ,message) ,@lamina-report))))
  (kill-emacs (if ok 0 1)))

(defun lamina-wait (what predicate &optional seconds)
  (let ((deadline (+ (float-time) (or seconds 60))))
    (while (not (funcall predicate))
      (when (> (float-time) deadline)
        (lamina-finish nil (format "timed out waiting for %s" what)))
      (accept-process-output nil 0.05))))

(defun lamina-lens-titles ()
  (let (titles)
    (dolist (overlay lsp-lens--overlays)
      (dolist (text (overlay-get overlay 'lsp--metadata))
        (push (substring-no-properties text) titles)))
    (nreverse titles)))

(condition-case err
    (let* ((root (file-name-as-directory (getenv "LAMINA_E2E_ROOT")))
           (python (getenv "LAMINA_E2E_PYTHON")))
      (setq lsp-auto-guess-root t
            lsp-enable-file-watchers nil
            lsp-keep-workspace-alive nil
            lsp-restart 'ignore
            lsp-lens-enable t
            lsp-headerline-breadcrumb-enable nil
            lsp-modeline-code-actions-enable nil
            lsp-modeline-diagnostics-enable nil
            lsp-diagnostics-provider :none
            lsp-enable-snippet nil
            lsp-session-file (expand-file-name ".lsp-session" root))
      (lsp-register-client
       (make-lsp-client
        :new-connection (lsp-stdio-connection (list python "-m" "lamina" "lsp"))
        :major-modes '(python-mode)
        :server-id 'lamina
        :priority 100
        :notification-handlers
        (let ((handlers (make-hash-table :test #'equal)))
          (puthash "lamina/invocationResult"
                   (lambda (_workspace params) (push params lamina-results)) handlers)
          (puthash "lamina/debugReady" #'lamina-attach handlers)
          handlers)))
      (find-file (expand-file-name "src/app.py" root))
      (python-mode)
      (lsp)
      (lamina-wait "lsp-mode to connect"
                   (lambda ()
                     (let ((workspace (car (lsp-workspaces))))
                       (and workspace (eq (lsp--workspace-status workspace) 'initialized)))))
      (lamina-note 'server (lsp--workspace-print (car (lsp-workspaces))))
      (lsp-lens-mode 1)
      (lsp-lens-refresh t)
      (lamina-wait "the lenses" (lambda () lsp-lens--overlays))
      (lamina-note 'lenses (vconcat (lamina-lens-titles)))
      (lamina-note 'lens-line
                   (line-number-at-pos (overlay-get (car lsp-lens--overlays)
                                                    'lsp-lens-position)))
      ;; The Run lens's own action, as a click on it runs.
      (let* ((metadata (overlay-get (car lsp-lens--overlays) 'lsp--metadata))
             (run (seq-find (lambda (text) (string-prefix-p "▶ Run" text)) metadata)))
        (unless run (lamina-finish nil "no Run lens"))
        (funcall (get-text-property 0 'action run)))
      (lamina-wait "the run's result" (lambda () lamina-results))
      (let ((result (car lamina-results)))
        (lamina-note 'run-ok (gethash "ok" result))
        (lamina-note 'function (gethash "function" result))
        (lamina-note 'event (gethash "event" result)))
      ;; dap-mode: a breakpoint on `print("echo got", event)', then the Debug lens.
      (setq lamina-results nil)
      (goto-char (point-min))
      (re-search-forward "print(\"echo got\"")
      (dap-breakpoint-add)
      (let* ((metadata (overlay-get (car lsp-lens--overlays) 'lsp--metadata))
             (debug (seq-find (lambda (text) (string-prefix-p "⚙ Debug" text)) metadata)))
        (funcall (get-text-property 0 'action debug)))
      (lamina-wait "the breakpoint" (lambda () lamina-stopped) 90)
      (lamina-note 'stopped-line (plist-get lamina-stopped :line))
      (lamina-note 'stopped-path (plist-get lamina-stopped :path))
      (dap-continue (dap--cur-session) (dap--debug-session-thread-id (dap--cur-session)))
      (lamina-wait "the debug run's result" (lambda () lamina-results) 90)
      (lamina-note 'debug-ok (gethash "ok" (car lamina-results)))
      (lamina-finish t "ok"))
  (error (lamina-finish nil (format "error: %S" err))))
