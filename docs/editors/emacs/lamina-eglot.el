;;; lamina-eglot.el --- Lamina through eglot (Emacs 28 with elpa-eglot, or Emacs 29+)  -*- lexical-binding: t; -*-

;; Load it from your init file: (load "/path/to/lamina/docs/editors/emacs/lamina-eglot.el")
;; Eglot shows no code lenses: on a handler's def line, M-x eglot-code-actions lists Run, Debug,
;; Sync and Run with each event; `lamina-code-action' (C-c l) asks only for Lamina's actions.

(require 'eglot)

(add-to-list 'eglot-server-programs
             '((python-mode python-ts-mode yaml-mode yaml-ts-mode) . ("lamina" "lsp")))

;; A Run or Debug answers when the run ends; eglot gives up after 10 s by default ("Timed out").
(setq jsonrpc-default-request-timeout 120)

;; Settings, answered to workspace/configuration.
(setq-default eglot-workspace-configuration
              '(:lamina (:sync (:target "emulator"))))

(defun lamina-code-action ()
  "Offer Lamina's actions (kind source.lamina) for the line at point."
  (interactive)
  (eglot-code-actions (line-beginning-position) (line-end-position) "source.lamina" t))

(cl-defmethod eglot-handle-notification
  (_server (_method (eql lamina/invocationResult)) &rest result)
  (message "lamina: %s %s in %s ms" (plist-get result :function)
           (if (eq (plist-get result :ok) t) "ok"
             (plist-get (plist-get result :error) :errorType))
           (plist-get result :durationMs)))

(with-eval-after-load 'python
  (define-key python-mode-map (kbd "C-c l") #'lamina-code-action))

(provide 'lamina-eglot)
;;; lamina-eglot.el ends here
