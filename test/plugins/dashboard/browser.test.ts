// The dashboard in headless Chromium, against a real runner: every service listed, a health change
// shown without a reload, a restart's countdown, one boot bar per service, the admin token asked
// for once and sent as a header, light and dark, a phone's width; a screenshot is kept.
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import { test, type TestContext } from 'node:test'
import { chromium, type Browser } from 'playwright-core'
import { createRunner, defineService, type ServiceContext } from '../../../lib/index.ts'

const CHROMIUM = '/usr/bin/chromium'
const ARTIFACTS = new URL('../../../test-artifacts/', import.meta.url)
const TOKEN = 'dashboard-test-token-0123'
// Debian's chromium in CI (.ci/run installs it); elsewhere the test says why it skips.
const skip = !existsSync(CHROMIUM) && process.env.CI === undefined ? `${CHROMIUM} is not installed` : false

async function startRunner (t: TestContext, token?: string) {
  let store: ServiceContext | undefined
  const runner = createRunner({ server: false, signals: false, log: { level: 'silent' }, admin: { port: 0, ...(token === undefined ? {} : { token }) } })
  runner.register(defineService({ name: 'store', async init (ctx) { store = ctx }, async ready (ctx) { ctx.health.report('healthy'); return true } }))
  runner.register(defineService({ name: 'migrate', once: true, async run () {} }))
  runner.register(defineService({
    name: 'flaky',
    async run () { throw new Error('flaky failed') },
    restart: { policy: 'on-failure', backoff: { initial: 120_000, max: 120_000, factor: 1, jitter: 0 } },
  }))
  runner.register(async (app) => { app.get('/', async () => 'ok') }, { service: { name: 'api', dependsOn: ['store'] } })
  await runner.start()
  t.after(() => runner.stop())
  const { port } = runner.admin!.server.address() as { port: number }
  return { runner, store: store!, url: `http://127.0.0.1:${port}/` }
}

async function launch (t: TestContext): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
  t.after(() => browser.close())
  return browser
}

/** Width and height from a PNG's IHDR chunk, after checking its signature. */
function pngSize (png: Buffer): { width: number, height: number } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG signature')
  assert.equal(png.toString('latin1', 12, 16), 'IHDR')
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) }
}

test('the dashboard shows every service and follows the runner live', { skip, timeout: 60_000 }, async (t) => {
  const { store, url } = await startRunner(t)
  const browser = await launch(t)
  const page = await browser.newPage({ viewport: { width: 1280, height: 720 } })
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  page.on('console', (message) => { if (message.type() === 'error') errors.push(message.text()) })
  await page.goto(url)
  await page.waitForSelector('#connection.live')

  await t.test('one row per service, and one boot bar per service', async () => {
    await page.waitForSelector('tr[data-service="api"]')
    assert.deepEqual(await page.locator('#services tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-service'))), ['store', 'migrate', 'flaky', 'api'])
    assert.equal(await page.locator('#boot .bar').count(), 4)
    assert.match(await page.locator('#boot-summary').innerText(), /slowest: \S+ \(/)
  })

  await t.test('a health change appears without a reload, within a second', async () => {
    let navigations = 0
    page.on('framenavigated', () => { navigations++ })
    const reported = Date.now()
    store.health.report('unhealthy', { reason: 'disk full' })
    await page.waitForSelector('tr[data-service="store"] .health.unhealthy', { timeout: 1_000 })
    assert.ok(Date.now() - reported < 1_000)
    assert.equal(await page.locator('tr[data-service="store"] .reason').innerText(), 'disk full')
    assert.equal(await page.locator('#health').innerText(), 'unhealthy')
    assert.equal(navigations, 0)
  })

  await t.test('a restart waiting out its backoff shows its countdown, and the service its restart history', async () => {
    assert.match(await page.locator('tr[data-service="flaky"] .countdown').innerText(), /^ next in 1 min \d+ s$/)
    await page.locator('tr[data-service="flaky"] summary').click()
    assert.match(await page.locator('tr[data-service="flaky"] details li').innerText(), /restart after run-failed, attempt 1, in 2 min 0 s$/)
    // Still open once the rows were rebuilt (the countdown moves on at each render).
    const countdown = await page.locator('tr[data-service="flaky"] .countdown').innerText()
    await page.locator('tr[data-service="flaky"] .countdown', { hasNotText: countdown }).waitFor()
    assert.equal(await page.locator('tr[data-service="flaky"] details[open]').count(), 1)
  })

  await t.test('the process figures are drawn as sparklines with their values', async () => {
    await page.locator('[data-metric="heapUsedBytes"] .value', { hasText: /MiB$/ }).waitFor()
    assert.equal(await page.locator('.spark svg[role="img"]').count(), 4)
  })

  await t.test('a screenshot at 1280x720 is kept as an artifact', async () => {
    await mkdir(ARTIFACTS, { recursive: true })
    const path = new URL('dashboard-1280x720.png', ARTIFACTS)
    await page.screenshot({ path: path.pathname })
    const png = await readFile(path)
    assert.ok(png.length > 10_000, 'not an empty picture')
    assert.deepEqual(pngSize(png), { width: 1280, height: 720 })
  })

  await t.test('dark mode and a phone width', async () => {
    await page.emulateMedia({ colorScheme: 'dark' })
    // Expressions run in the page (this file is type-checked without the DOM's types).
    const background = await page.evaluate('getComputedStyle(document.body).backgroundColor')
    assert.equal(background, 'rgb(13, 17, 23)')
    await page.setViewportSize({ width: 390, height: 844 })
    assert.ok(await page.evaluate('document.documentElement.scrollWidth <= 390'), 'nothing wider than the screen')
  })

  assert.deepEqual(errors, [], 'no script error, no blocked resource')
})

test('with a token: the page asks for it once, keeps it for the tab and sends it as a header', { skip, timeout: 60_000 }, async (t) => {
  const { runner, url } = await startRunner(t, TOKEN)
  const browser = await launch(t)
  const page = await browser.newPage()
  const sent: Array<string | undefined> = []
  page.on('request', (request) => { if (request.method() === 'PUT') sent.push(request.headers().authorization) })
  await page.goto(url)
  await page.waitForSelector('tr[data-service="api"]')

  await page.getByLabel('Log level of api').selectOption('debug')
  await page.getByRole('textbox', { name: 'Token' }).fill(TOKEN)
  await page.getByRole('button', { name: 'Save' }).click()
  await page.locator('#message', { hasText: /^api: log level silent → debug$/ }).waitFor()
  assert.equal(runner.serviceLogger('api')?.level, 'debug')

  // Kept for the tab: the next change asks nothing (the runner of these tests logs at silent).
  await page.getByLabel('Log level of store').selectOption('warn')
  await page.locator('#message', { hasText: /^store: log level silent → warn$/ }).waitFor()
  assert.deepEqual(sent, [undefined, `Bearer ${TOKEN}`, `Bearer ${TOKEN}`])
  assert.equal(page.url(), url, 'the token is never in the URL')
  assert.deepEqual(await page.context().cookies(), [], 'nor in a cookie')
})
