;;; emacs_driver.el --- Drive orchex.el in a real `emacs --batch' -*- lexical-binding: t; -*-

;;; Commentary:

;; Does what a person would (open a file, wait for flymake's diagnostics, pick a code
;; action, run the commands) and writes each step's outcome to $ORCHEX_RESULT as JSON
;; for test_emacs.py to judge.  Run as `emacs -Q --batch -l emacs_driver.el'.

;;; Code:

;; -Q drops Debian's site-start, which is what puts elpa-eglot (and the newer project,
;; xref and seq it needs) on the load path.  Emacs 29+ has eglot built in.
(dolist (dir (file-expand-wildcards "/usr/share/emacs/site-lisp/elpa/*"))
  (when (file-directory-p dir)
    (add-to-list 'load-path dir)))

(require 'cl-lib)
(require 'json)
(require 'subr-x)
(require 'lisp-mnt)

(defvar driver-result (getenv "ORCHEX_RESULT"))
(defvar driver-wait (string-to-number (or (getenv "ORCHEX_WAIT_S") "15")))
(defvar driver-steps nil "Alist (NAME . (:ok BOOL :detail X)), newest first.")
(defvar driver-failed nil)
(defvar driver-messages nil "Every message shown, newest first.")
(defvar driver-message-requests nil)

(advice-add 'message :around
            (lambda (orig format-string &rest args)
              (let ((text (apply orig format-string args)))
                (when (stringp text) (push text driver-messages))
                text)))

(defun driver-write ()
  (with-temp-file driver-result
    (let ((json-encoding-pretty-print nil))
      (insert (json-encode
               (list :version emacs-version
                     :eglot (or (ignore-errors
                                  (lm-version (or (locate-library "eglot.el")
                                                  (locate-library "eglot.el.gz"))))
                                "unknown")
                     :failed driver-failed
                     :steps (cl-loop for (name . step) in (reverse driver-steps)
                                     append (list (intern (concat ":" name)) step))
                     :messages (vconcat (reverse driver-messages))))))))

(defmacro driver-step (name &rest body)
  "Run BODY as step NAME unless an earlier step failed; its value is the detail."
  (declare (indent 1))
  `(unless driver-failed
     (condition-case err
         (let ((detail (progn ,@body)))
           (push (cons ,name (list :ok t :detail detail)) driver-steps))
       (error
        (setq driver-failed ,name)
        (push (cons ,name (list :ok :json-false :detail (error-message-string err))) driver-steps)))))

(defun driver-wait-for (what predicate)
  "Let Emacs run (timers, the server's output) until PREDICATE holds, else fail."
  (let ((deadline (+ (float-time) driver-wait)))
    (while (and (not (funcall predicate)) (< (float-time) deadline))
      (accept-process-output nil 0.05)
      (sit-for 0))
    (unless (funcall predicate)
      (error "Timed out waiting for %s" what))))

(defun driver-codes ()
  "The OCX codes flymake holds for the current buffer."
  (sort (delete-dups
         (cl-loop for d in (flymake-diagnostics)
                  for lsp = (cdr (assoc 'eglot-lsp-diag (flymake-diagnostic-data d)))
                  for code = (plist-get lsp :code)
                  when (and (stringp code) (string-prefix-p "OCX" code))
                  collect code))
        #'string<))

(defun driver-goto (regexp)
  (goto-char (point-min))
  (unless (re-search-forward regexp nil t)
    (error "No line matches %s" regexp))
  (back-to-indentation))

(defun driver-text () (buffer-substring-no-properties (point-min) (point-max)))

(defvar driver-buffer nil)
(defvar driver-server nil)

(driver-step "setup"
  (add-to-list 'load-path (getenv "ORCHEX_EL"))
  (require 'eglot)
  (require 'orchex)
  (setq orchex-interpreter (getenv "ORCHEX_PYTHON")
        orchex-server-args (and (getenv "ORCHEX_LOG")
                                (list "--log-file" (getenv "ORCHEX_LOG") "--log-level" "INFO"))
        ;; Forwarded settings: parameters=10 silences OCX105 (7 parameters) if they arrive.
        orchex-settings '(:thresholds (:parameters 10) :debounce-ms 50)
        ;; eglot gives up on `initialize' after `eglot-sync-connect' (3 s) in the
        ;; foreground; the rest of the wait happens in the background, up to this:
        eglot-connect-timeout 60
        ;; A person would answer eglot's "Server wants to edit" prompt; here, yes.
        eglot-confirm-server-initiated-edits nil)
  ;; The escalation prompt would wait for a person: record it and dismiss.
  (cl-defmethod eglot-handle-request
    ((_server orchex-server) (_method (eql window/showMessageRequest)) &key message &allow-other-keys)
    (push message driver-message-requests)
    nil)
  (let ((entry (cl-find-if (lambda (e) (and (consp (car e)) (memq 'python-mode (car e))))
                           eglot-server-programs)))
    (list :entry (format "%S" entry) :command (vconcat (orchex-server-command)))))

(driver-step "server_started"
  (setq driver-buffer (find-file-noselect (getenv "ORCHEX_FILE")))
  (set-buffer driver-buffer)
  (unless (derived-mode-p 'python-mode) (error "Not in python-mode: %s" major-mode))
  ;; In --batch `eglot-ensure' waits for `post-command-hook', which never runs: start
  ;; the connection as `M-x eglot' does, and retry if the first attempt gave up.
  (let ((tries 0))
    (while (and (< tries 3)
                (not (cl-typep (eglot-current-server) 'orchex-server)))
      (cl-incf tries)
      (condition-case err
          (apply #'eglot (eglot--guess-contact))
        (error (push (format "eglot attempt %d: %s" tries (error-message-string err))
                     driver-messages)))
      (driver-wait-for "the orchex server to connect"
                       (lambda () (with-current-buffer driver-buffer
                                    (cl-typep (eglot-current-server) 'orchex-server))))))
  (setq driver-server (eglot-current-server))
  (driver-wait-for "eglot to manage the buffer"
                   (lambda () (with-current-buffer driver-buffer eglot--managed-mode)))
  (list :class (symbol-name (eieio-object-class driver-server))
        :root (project-root (eglot--project driver-server))
        :flymake (and flymake-mode t)))

(driver-step "diagnostics"
  (set-buffer driver-buffer)
  ;; Flymake starts its backends from an idle timer, and --batch is never idle: start it
  ;; as that timer would. Later reports reach flymake directly.
  (flymake-start)
  (driver-wait-for "OCX diagnostics in flymake" (lambda () (driver-codes)))
  (driver-wait-for "OCX105 to go once the editor settings apply"
                   (lambda () (not (member "OCX105" (driver-codes)))))
  (vconcat (driver-codes)))

(driver-step "code_action_list"
  (set-buffer driver-buffer)
  (driver-goto "^ +if x:")
  (vconcat (mapcar (lambda (a) (plist-get a :title)) (eglot-code-actions (point) nil nil nil))))

(driver-step "code_action_apply"
  (set-buffer driver-buffer)
  (driver-goto "^ +if x:")
  (let ((before (driver-text)) chosen)
    ;; What a person does: M-x eglot-code-actions and pick the guard clause. A keyboard
    ;; event (not a mouse list) makes eglot ask with completing-read.
    (cl-letf (((symbol-function 'completing-read)
               (lambda (_prompt collection &rest _)
                 (setq chosen (cl-find-if (lambda (title) (string-match-p "guard clause" title))
                                          (mapcar (lambda (c) (if (consp c) (car c) c)) collection)))
                 (or chosen (error "No guard-clause action among %S" collection)))))
      (let ((last-nonmenu-event ?\r))
        (eglot-code-actions (point) nil nil t)))
    (driver-wait-for "the guard-clause edit"
                     (lambda () (not (equal (with-current-buffer driver-buffer (driver-text)) before))))
    (list :title chosen :text (driver-text))))

(driver-step "apply_refactoring_command"
  (set-buffer driver-buffer)
  (driver-goto "^    else:$")
  (let ((before (driver-text)))
    (orchex-apply-refactoring "elif-chain")
    (driver-wait-for "orchex.applyRefactoring's answer"
                     (lambda () (assoc "orchex.applyRefactoring" orchex-last-result)))
    (driver-wait-for "the elif-chain edit"
                     (lambda () (not (equal (with-current-buffer driver-buffer (driver-text)) before))))
    (list :answer (cdr (assoc "orchex.applyRefactoring" orchex-last-result)) :text (driver-text))))

(driver-step "analyze_workspace"
  (set-buffer driver-buffer)
  (orchex-analyze-workspace)
  (driver-wait-for "orchex.analyzeWorkspace's answer"
                   (lambda () (assoc "orchex.analyzeWorkspace" orchex-last-result)))
  (list :answer (cdr (assoc "orchex.analyzeWorkspace" orchex-last-result))
        :message (car driver-messages)))

(defun driver-buffer-text (name)
  (when (get-buffer name)
    (with-current-buffer name (driver-text))))

(driver-step "report"
  (set-buffer driver-buffer)
  (orchex-report)
  (driver-wait-for "the report buffer" (lambda () (driver-buffer-text "*orchex report*")))
  (driver-buffer-text "*orchex report*"))

(driver-step "hotspots"
  (set-buffer driver-buffer)
  (orchex-hotspots 5)
  (driver-wait-for "the hotspots buffer" (lambda () (driver-buffer-text "*orchex hotspots*")))
  (with-current-buffer "*orchex hotspots*"
    ;; grep-mode must see a location in each line, as next-error would.
    (goto-char (point-min))
    (let ((first (ignore-errors (compilation-next-error 1) (compilation--message->loc
                                                            (get-text-property (point) 'compilation-message)))))
      (list :text (driver-text)
            :mode (symbol-name major-mode)
            :location (and first (format "%s" (caar (compilation--loc->file-struct first))))))))

;; Issue 6's commands: each must reach the server and come back as its answer (a
;; buffer) or its refusal (a message naming the command).
(defun driver-round-trip (thunk buffer-name)
  (set-buffer driver-buffer)
  (let ((before (length driver-messages)))
    (funcall thunk)
    (driver-wait-for "the answer or the error"
                     (lambda ()
                       (or (and buffer-name (driver-buffer-text buffer-name))
                           (cl-some (lambda (m) (string-prefix-p "orchex:" m))
                                    (butlast driver-messages before)))))
    (list :view (and buffer-name (driver-buffer-text buffer-name))
          :messages (vconcat (reverse (butlast driver-messages before))))))

(driver-step "agents"
  (driver-round-trip #'orchex-agents "*orchex agents*"))

(driver-step "history"
  (driver-round-trip (lambda () (orchex-history 5)) "*orchex history*"))

(driver-step "refactor_ai"
  (set-buffer driver-buffer)
  (driver-goto "^def tangled")
  (let (asked)
    (cl-letf (((symbol-function 'read-string)
               (lambda (prompt &rest _) (setq asked prompt) "reduce the nesting")))
      (let ((trip (driver-round-trip (lambda () (call-interactively #'orchex-refactor-ai)) nil)))
        (append (list :prompt asked) trip)))))

(driver-step "settings_change"
  (set-buffer driver-buffer)
  (unless (member "OCX103" (driver-codes))
    (error "OCX103 missing before the change: %S" (driver-codes)))
  ;; didChangeConfiguration, then the server asks workspace/configuration: a nesting
  ;; threshold of 10 must silence OCX103.
  (setq orchex-settings '(:thresholds (:parameters 10 :nesting 10) :debounce-ms 50))
  (orchex-reload-settings)
  (driver-wait-for "OCX103 to go after orchex-reload-settings"
                   (lambda () (with-current-buffer driver-buffer
                                (not (member "OCX103" (driver-codes))))))
  (vconcat (driver-codes)))

(driver-step "dir_locals"
  ;; The project's own `eglot-workspace-configuration' (directory-local) wins over
  ;; `orchex-settings': a cognitive threshold of 100 must silence OCX102.
  (set-buffer driver-buffer)
  (let ((root (project-root (eglot--project driver-server))))
    (with-temp-file (expand-file-name ".dir-locals.el" root)
      (prin1 '((nil . ((eglot-workspace-configuration
                        . (:orchex (:thresholds (:parameters 10 :nesting 10 :cognitive 100)))))))
             (current-buffer))))
  (orchex-reload-settings)
  (driver-wait-for "OCX102 to go after the .dir-locals.el change"
                   (lambda () (with-current-buffer driver-buffer
                                (not (member "OCX102" (driver-codes))))))
  (vconcat (driver-codes)))

(driver-step "status"
  ;; What the server sent by itself (issue 6 adds it), then a notification dispatched
  ;; the way eglot dispatches one it receives.
  (let ((from-server orchex-status))
    (eglot-handle-notification driver-server 'orchex/status
                               :agents '(:healthy 2 :total 3) :tasks '(:running 1)
                               :cost '(:today_usd 0.5))
    (list :from_server (and from-server (format "%S" from-server))
          :text (orchex-status-string)
          ;; format-mode-line renders "" without a display: check the entry is in
          ;; `global-mode-string' and evaluate its :eval form as the display would.
          :in_mode_line (and (listp global-mode-string)
                             (stringp (car global-mode-string))
                             (memq 'orchex-mode-line global-mode-string)
                             t)
          :mode_line (eval (cadr orchex-mode-line) t))))

(when (and driver-server (jsonrpc-running-p driver-server))
  (ignore-errors (eglot-shutdown driver-server)))
(driver-write)
(kill-emacs 0)

;;; emacs_driver.el ends here
