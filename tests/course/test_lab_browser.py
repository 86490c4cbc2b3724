"""A student's first minute, in a real browser: `make lab` serves JupyterLab, headless
Chromium opens an exercise notebook from the file browser's URL, and running the locked
setup cell (Shift+Enter, as a student would) prints the context line and the data check.

Marked ``browser`` (``make test-browser`` installs Debian's chromium, chromium-driver
and Selenium). A screenshot of the notebook goes to ``$UI_TEST_ARTIFACTS`` (default
``build/test-artifacts/ui``) for whoever has to find out why it failed.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_student_opens_an_exercise_and_runs_its_setup_cell(lab, browser, notebook, wait_for):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(f"{lab.base}/lab/tree/{notebook}?token={lab.token}")
    # CodeMirror fills the editors in after the cells appear: wait for the setup code.
    setup = wait_for(lambda: next(
        (c for c in browser.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-CodeCell")
         if 'start("ch03_spark_basics")' in c.text), None),
        90, "the setup cell did not appear", browser)
    first = browser.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-CodeCell")[0]
    assert 'start("ch03_spark_basics")' in first.text, "the setup cell comes first"
    # The kernel named by the notebook starts by itself; wait until it is idle.
    wait_for(lambda: browser.find_elements(
        By.CSS_SELECTOR, ".jp-Notebook-ExecutionIndicator[data-status='idle'], "
        "[data-status='idle']"), 90, "the kernel did not become idle", browser)
    # The cell is locked (read-only), so select it by its prompt, as a student clicks the
    # cell's margin, and run it with the keyboard.
    setup.find_element(By.CSS_SELECTOR, ".jp-InputPrompt").click()
    ActionChains(browser).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT).perform()
    output = wait_for(lambda: "checksum OK" in setup.text and setup.text, 120,
                      "the setup cell printed no 'checksum OK'", browser)
    wait_for.screenshot(browser, "lab-setup-cell.png")
    assert "minispark 4.3.0, master local[2]" in output, output
    # Nothing on stderr: JupyterLab shows stderr output with this class.
    for mime in ("application/vnd.jupyter.stderr", "application/vnd.jupyter.error"):
        assert not setup.find_elements(By.CSS_SELECTOR, f"[data-mime-type='{mime}']"), mime
