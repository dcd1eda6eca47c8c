;;; orchex.el --- Python code health via the orchex server -*- lexical-binding: t; -*-

;; Copyright (C) 2026 The orchex-ls authors

;; Author: The orchex-ls authors
;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1") (eglot "1.9"))
;; Keywords: languages, tools, python
;; SPDX-License-Identifier: MIT

;; This file is not part of GNU Emacs.

;;; Commentary:

;; A thin client for the orchex language server (orchex-ls): code-health
;; metrics, verified refactorings and AI-agent orchestration for Python.  All
;; logic lives in the server.  Loading this file registers the server with eglot
;; for `python-mode' and `python-ts-mode'; `M-x eglot' (or `eglot-ensure' in
;; `python-mode-hook') starts it.
;;
;; Diagnostics (OCX100-OCX110) arrive through flymake, refactorings through
;; `eglot-code-actions'.  The commands below call the server's own commands:
;;
;;   `orchex-analyze-workspace'  score, grade and findings of the workspace
;;   `orchex-report'             JSON report of this file (C-u: the workspace)
;;   `orchex-hotspots'           churn x complexity hotspots (grep-mode buffer)
;;   `orchex-apply-refactoring'  one verified refactoring at point or region
;;   `orchex-refactor-ai'        ask an AI agent to rewrite the region or line
;;   `orchex-agents'             agents, health, circuits and budget
;;   `orchex-history'            recent agent tasks
;;   `orchex-reload-settings'    send changed `orchex-settings' to the servers
;;
;; Settings go to the server as initializationOptions.settings and as the answer
;; to its workspace/configuration request for section "orchex": the project's
;; `eglot-workspace-configuration' section `:orchex' (directory-local) when it
;; has one, else `orchex-settings'.  The `orchex/status' notification feeds a
;; mode-line entry.

;;; Code:

(require 'cl-lib)
(require 'eglot)
(require 'jsonrpc)
(require 'json)
(require 'project)
(require 'seq)
(require 'subr-x)

(defgroup orchex nil
  "Code health, verified refactorings and AI agents for Python."
  :group 'tools
  :prefix "orchex-")

(defcustom orchex-interpreter nil
  "Python that has orchex-ls installed.
nil means the python of $VIRTUAL_ENV when it is set, else python3."
  :type '(choice (const :tag "Automatic" nil) file))

(defcustom orchex-server-args nil
  "Extra arguments after `-m orchex_ls'.
For example (\"--log-file\" \"/tmp/orchex.log\" \"--log-level\" \"INFO\")."
  :type '(repeat string))

(defcustom orchex-command nil
  "The whole server command as a list of strings, e.g. (\"orchex-ls\").
Overrides `orchex-interpreter' and `orchex-server-args'."
  :type '(choice (const :tag "From the interpreter" nil) (repeat string)))

(defcustom orchex-settings nil
  "The `orchex' settings, a plist.
For example (:thresholds (:cognitive 12 :nesting 3) :ignore [\"OCX105\"]).
Keys: debounce-ms, configuration-preference, thresholds, select, ignore,
exclude, extend-exclude, max-file-size-kb.  Lists are vectors.  After
changing it while servers run, call `orchex-reload-settings'."
  :type 'plist)

(defcustom orchex-show-status t
  "Show the server's `orchex/status' (agents, tasks, cost) in the mode line."
  :type 'boolean)

(defcustom orchex-status-function #'orchex-status-text
  "Function of the status plist returning the mode-line text.
A result of nil or \"\" hides it."
  :type 'function)

(defcustom orchex-request-timeout 300
  "Seconds to wait for a command's answer.
A workspace analysis can take a while."
  :type 'integer)

(defvar orchex-status-hook nil
  "Run after each `orchex/status' notification; `orchex-status' holds it.")

(defvar orchex-status nil
  "The last `orchex/status' params, a plist:
\(:agents (:healthy N :total N) :tasks (:running N) :cost (:today_usd X)).")

(defconst orchex-refactorings
  '("extract-function" "extract-variable" "inline-variable" "guard-clause"
    "merge-nested-ifs" "remove-redundant-else" "elif-chain"
    "simplify-boolean-return" "use-any-all" "loop-to-comprehension"
    "inline-returned-variable"
    "remove-unreachable-code" "extract-duplicate")
  "The server's refactoring ids, for completion.
They are what `orchex refactor --list --json' prints.")

;;;; The server

(defclass orchex-server (eglot-lsp-server) ()
  :documentation "The orchex language server.")

(defun orchex--interpreter ()
  "The Python to start the server with."
  (or orchex-interpreter
      (let ((venv (getenv "VIRTUAL_ENV")))
        (and venv (not (string-empty-p venv))
             (cl-find-if #'file-executable-p
                         (list (expand-file-name "bin/python" venv)
                               (expand-file-name "Scripts/python.exe" venv)))))
      (executable-find "python3")
      "python"))

(defun orchex-server-command ()
  "Return the server command line, a list of strings."
  (or orchex-command
      `(,(orchex--interpreter) "-m" "orchex_ls" ,@orchex-server-args)))

;;;###autoload
(defun orchex--contact (&optional _interactive)
  "The eglot contact for the orchex server (see `eglot-server-programs')."
  (cons 'orchex-server (orchex-server-command)))

;;;###autoload
(with-eval-after-load 'eglot
  (add-to-list 'eglot-server-programs
               '((python-mode python-ts-mode) . orchex--contact)))

(defun orchex--project-section (server)
  "Section `:orchex' of `eglot-workspace-configuration' in SERVER's project."
  (let ((root (ignore-errors (project-root (eglot--project server)))))
    (when root
      (with-temp-buffer
        (setq default-directory (file-name-as-directory root))
        (setq-local major-mode 'python-mode)
        (hack-dir-local-variables-non-file-buffer)
        (let ((conf (if (functionp eglot-workspace-configuration)
                        (funcall eglot-workspace-configuration server)
                      eglot-workspace-configuration)))
          (and (listp conf) (keywordp (car-safe conf))
               (plist-get conf :orchex)))))))

(defun orchex--settings (server)
  "The settings to send SERVER, a JSON object."
  ;; nil would go out as null; the server wants an object.
  (or (orchex--project-section server) orchex-settings (make-hash-table)))

(cl-defmethod eglot-initialization-options ((server orchex-server))
  "Send the settings under initializationOptions.settings to SERVER."
  (list :settings (orchex--settings server)))

(cl-defmethod eglot-handle-request
  ((server orchex-server) (_method (eql workspace/configuration)) &key items)
  "Answer SERVER's workspace/configuration ITEMS: section \"orchex\" only."
  (apply #'vector
         (mapcar (lambda (item)
                   ;; nil goes out as null (jsonrpc's :null-object).
                   (and (equal (plist-get item :section) "orchex")
                        (orchex--settings server)))
                 items)))

(defun orchex-reload-settings ()
  "Send the current settings to every orchex server; they apply them at once."
  (interactive)
  (dolist (server (orchex--servers))
    (jsonrpc-notify server :workspace/didChangeConfiguration
                    (list :settings (list :orchex (orchex--settings server))))))

;;;; Status

(defun orchex--number (value)
  "VALUE if a number, else 0."
  (if (numberp value) value 0))

(defun orchex-status-text (status)
  "A short text for STATUS.
For example \"orchex 2/3 agents, 1 running, $0.50 today\"."
  (let* ((agents (plist-get status :agents))
         (tasks (plist-get status :tasks))
         (running (orchex--number (plist-get tasks :running)))
         (cost (orchex--number
                (plist-get (plist-get status :cost) :today_usd))))
    (concat (format "orchex %d/%d agents"
                    (orchex--number (plist-get agents :healthy))
                    (orchex--number (plist-get agents :total)))
            (if (> running 0) (format ", %d running" running) "")
            (format ", $%.2f today" cost))))

(defun orchex-status-string ()
  "The mode-line text for the last status, or \"\" before the first."
  (if (and orchex-status orchex-show-status)
      (or (funcall orchex-status-function orchex-status) "")
    ""))

(defvar orchex-mode-line
  '(:eval (let ((text (orchex-status-string)))
            (if (string-empty-p text) "" (concat " " text))))
  "Mode-line construct showing the orchex status.")
(put 'orchex-mode-line 'risky-local-variable t)

(defun orchex--show-in-mode-line ()
  "Put `orchex-mode-line' into `global-mode-string' once."
  (unless (and (listp global-mode-string) (memq 'orchex-mode-line global-mode-string))
    ;; A mode-line list starting with a symbol is a conditional: start with "".
    (setq global-mode-string
          (append (cond ((null global-mode-string) (list ""))
                        ((and (listp global-mode-string)
                              (not (symbolp (car global-mode-string))))
                         global-mode-string)
                        (t (list "" global-mode-string)))
                  '(orchex-mode-line)))))

(cl-defmethod eglot-handle-notification
  ((_server orchex-server) (_method (eql orchex/status)) &rest params)
  "Keep the `orchex/status' PARAMS and show them in the mode line."
  (setq orchex-status params)
  (when orchex-show-status
    (orchex--show-in-mode-line))
  (force-mode-line-update t)
  (run-hooks 'orchex-status-hook))

;;;; Talking to the server

(defun orchex--servers ()
  "The running orchex servers."
  (let (found)
    (maphash (lambda (_project servers)
               (dolist (server servers)
                 (when (and (cl-typep server 'orchex-server)
                            (jsonrpc-running-p server))
                   (push server found))))
             eglot--servers-by-project)
    found))

(defun orchex--server ()
  "The orchex server of this buffer, else any running one."
  (let ((current (eglot-current-server)))
    (if (cl-typep current 'orchex-server)
        current
      (or (car (orchex--servers))
          (user-error
           "No orchex server is running (open a Python file, M-x eglot)")))))

(defun orchex-execute (command arguments on-result)
  "Run server COMMAND with ARGUMENTS (a vector); ON-RESULT gets the answer.
Errors are shown as messages."
  (let ((server (orchex--server))
        (buffer (current-buffer)))
    ;; eglot sends edits after an idle delay; a command about this buffer must not
    ;; reach the server before them, or its edit would be for an older version.
    (when (and (bound-and-true-p eglot--managed-mode)
               (fboundp 'eglot--signal-textDocument/didChange))
      (eglot--signal-textDocument/didChange))
    (jsonrpc-async-request
     server :workspace/executeCommand
     (list :command command :arguments (or arguments []))
     :success-fn (lambda (result)
                   (with-current-buffer (if (buffer-live-p buffer)
                                            buffer
                                          (current-buffer))
                     (funcall on-result result)))
     :error-fn (jsonrpc-lambda (&key message &allow-other-keys)
                 (message "orchex: %s failed: %s" command message))
     :timeout orchex-request-timeout
     :timeout-fn (lambda ()
                   (message "orchex: %s got no answer in %ss"
                            command orchex-request-timeout)))
    server))

(defun orchex--uri ()
  "This buffer's file as a URI."
  (let ((file (or buffer-file-name
                  (user-error "This buffer has no file"))))
    (cond ((fboundp 'eglot-path-to-uri) (funcall 'eglot-path-to-uri file))
          (t (eglot--path-to-uri file)))))

(defun orchex--position (pos)
  "POS as an LSP position."
  (eglot--pos-to-lsp-position pos))

(defun orchex--range (whole-line)
  "The region as an LSP range; else point, or its line with WHOLE-LINE."
  (cond ((use-region-p)
         (list :start (orchex--position (region-beginning))
               :end (orchex--position (region-end))))
        (whole-line
         (list :start (orchex--position (line-beginning-position))
               :end (orchex--position (line-end-position))))
        (t (let ((here (orchex--position (point))))
             (list :start here :end here)))))

;;;; Showing answers

(defun orchex--show (name content mode &optional directory)
  "Show CONTENT in buffer NAME with major MODE, `default-directory' DIRECTORY."
  (let ((buffer (get-buffer-create name)))
    (with-current-buffer buffer
      (let ((inhibit-read-only t))
        (erase-buffer)
        (insert content)
        (goto-char (point-min)))
      (when directory
        (setq default-directory (file-name-as-directory directory)))
      (funcall mode)
      (setq buffer-read-only t))
    (display-buffer buffer)
    buffer))

(defun orchex--json (value)
  "VALUE as indented JSON text."
  (with-temp-buffer
    (insert (let ((json-encoding-pretty-print nil)) (json-encode value)))
    (json-pretty-print-buffer)
    (buffer-string)))

(defun orchex--text (value)
  "VALUE for a table cell."
  (cond ((null value) "-")
        ((eq value :json-false) "no")
        ((eq value t) "yes")
        ((stringp value) value)
        ((numberp value) (format "%s" value))
        (t (json-encode value))))

(defun orchex--table (header rows)
  "HEADER and ROWS (lists of strings) as aligned columns."
  (let* ((all (cons header rows))
         (widths (cl-loop for i below (length header)
                          collect (apply #'max
                                         (mapcar (lambda (row)
                                                   (string-width (nth i row)))
                                                 all)))))
    (mapconcat (lambda (row)
                 (string-trim-right
                  (string-join
                   (cl-mapcar (lambda (cell width)
                                (let ((pad (- width (string-width cell))))
                                  (concat cell (make-string pad ?\s))))
                              row widths)
                   "  ")))
               all "\n")))

;;;; Commands

(defvar orchex-last-result nil
  "The last answer of each command, an alist (COMMAND . RESULT).")

(defun orchex--remember (command result)
  "Keep RESULT as COMMAND's last answer; return RESULT."
  (setf (alist-get command orchex-last-result nil nil #'equal) result)
  result)

;;;###autoload
(defun orchex-analyze-workspace ()
  "Analyse the workspace again; show its files, score, grade and findings."
  (interactive)
  (message "orchex: analysing the workspace...")
  (orchex-execute
   "orchex.analyzeWorkspace" []
   (lambda (result)
     (orchex--remember "orchex.analyzeWorkspace" result)
     (let ((findings (cl-loop for (code n) on (plist-get result :findings)
                              by #'cddr
                              collect (format "%s×%s"
                                              (substring (symbol-name code) 1)
                                              n))))
       (message "orchex: %s files, score %s (%s); %s"
                (plist-get result :files) (plist-get result :score)
                (plist-get result :grade)
                (if findings (string-join findings ", ") "no findings"))))))

;;;###autoload
(defun orchex-report (&optional workspace)
  "The JSON report of this file; with a prefix argument, of the WORKSPACE."
  (interactive "P")
  (orchex-execute
   "orchex.report"
   (if (or workspace (not buffer-file-name)) [] (vector (orchex--uri)))
   (lambda (result)
     (orchex--remember "orchex.report" result)
     (orchex--show "*orchex report*" (orchex--json result)
                   (if (fboundp 'js-json-mode) 'js-json-mode 'js-mode)))))

;;;###autoload
(defun orchex-hotspots (&optional limit)
  "Files that change often and are complex, best first.
At most LIMIT of them, 10 by default."
  (interactive "P")
  (orchex-execute
   "orchex.hotspots" (if limit (vector (prefix-numeric-value limit)) [])
   (lambda (result)
     (orchex--remember "orchex.hotspots" result)
     (if (seq-empty-p result)
         (message "orchex: no hotspots (is the workspace a git repository?)")
       (orchex--show
        "*orchex hotspots*"
        (concat "orchex hotspots\n\n"
                (mapconcat
                 (lambda (h)
                   (let ((path (plist-get h :path)) (root (plist-get h :root)))
                     (format (concat "%s:1: score %.1f: %s commits,"
                                     " %s lines changed, %s authors,"
                                     " complexity %s")
                             (if root (expand-file-name path root) path)
                             (orchex--number (plist-get h :score))
                             (plist-get h :commits) (plist-get h :lines_changed)
                             (plist-get h :authors) (plist-get h :complexity))))
                 result "\n")
                "\n")
        'grep-mode)))))

;;;###autoload
(defun orchex-apply-refactoring (refactoring)
  "Apply REFACTORING (a rule id) at point or on the region.
The server proves the edit safe before it sends it."
  (interactive
   (list (completing-read "Refactoring: " orchex-refactorings nil nil)))
  (let ((argument (list :uri (orchex--uri) :range (orchex--range nil)
                        :refactoring refactoring)))
    (orchex-execute
     "orchex.applyRefactoring" (vector argument)
     (lambda (result)
       (orchex--remember "orchex.applyRefactoring" result)
       (if (eq (plist-get result :applied) t)
           (message "orchex: %s" (or (plist-get result :title)
                                     (concat refactoring " applied")))
         (message "orchex: %s not applied: %s" refactoring
                  (or (plist-get result :reason) "no reason given")))))))

;;;###autoload
(defun orchex-refactor-ai (instruction)
  "Ask an AI agent to rewrite the region, else the line, following INSTRUCTION.
An empty INSTRUCTION leaves it to the server.  The edit arrives once the
server has validated it."
  (interactive
   (list (read-string
          "Refactor with AI (instruction, empty for the default): ")))
  (let ((argument (list :uri (orchex--uri) :range (orchex--range t))))
    (unless (string-empty-p (string-trim instruction))
      (setq argument (plist-put argument :instruction instruction)))
    (orchex-execute
     "orchex.refactorWithAI" (vector argument)
     (lambda (result)
       (orchex--remember "orchex.refactorWithAI" result)
       (if (eq (plist-get result :applied) t)
           (message "orchex: refactored by %s%s"
                    (or (plist-get result :agent) "an agent")
                    (if (numberp (plist-get result :cost_usd))
                        (format " ($%.4f)" (plist-get result :cost_usd)) ""))
         (message "orchex: AI refactoring not applied: %s"
                  (or (plist-get result :reason) "no reason given")))))))

;;;###autoload
(defun orchex-agents ()
  "The agents with their model, tier, health and circuit, and the budget."
  (interactive)
  (orchex-execute
   "orchex.agentStatus" []
   (lambda (result)
     (orchex--remember "orchex.agentStatus" result)
     (let ((rows (mapcar (lambda (a)
                           (mapcar (lambda (key)
                                     (orchex--text (plist-get a key)))
                                   '(:name :model :tier :healthy :circuit)))
                         (plist-get result :agents))))
       (orchex--show
        "*orchex agents*"
        (concat "orchex agents\n\n"
                (if rows
                    (orchex--table '("NAME" "MODEL" "TIER" "HEALTHY" "CIRCUIT")
                                   rows)
                  "(no agents configured)")
                (if (plist-member result :budget)
                    (concat "\n\nbudget:\n"
                            (orchex--json (plist-get result :budget)))
                  "")
                "\n")
        'special-mode)))))

;;;###autoload
(defun orchex-history (&optional limit)
  "Recent agent tasks (at most LIMIT, the server's default otherwise)."
  (interactive "P")
  (orchex-execute
   "orchex.history" (if limit (vector (prefix-numeric-value limit)) [])
   (lambda (result)
     (orchex--remember "orchex.history" result)
     (let ((rows (mapcar (lambda (task)
                           (let ((cost (plist-get task :cost_usd)))
                             (append
                              (mapcar (lambda (key)
                                        (orchex--text (plist-get task key)))
                                      '(:id :status :task_type :agent))
                              (list (if (numberp cost)
                                        (format "$%.4f" cost)
                                      (orchex--text cost))
                                    (orchex--text
                                     (plist-get task :created_at))))))
                         result)))
       (orchex--show
        "*orchex history*"
        (concat "orchex task history\n\n"
                (if rows
                    (orchex--table
                     '("ID" "STATUS" "TYPE" "AGENT" "COST" "CREATED") rows)
                  "(no tasks yet)")
                "\n")
        'special-mode)))))

(provide 'orchex)
;;; orchex.el ends here
