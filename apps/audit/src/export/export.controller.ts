import { Controller, Get, Query, Res, UseFilters, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { once } from 'node:events';
import { AdminTokenGuard } from './admin-token.guard';
import { ExportErrorCode, ExportException } from './export.exception';
import { ExportExceptionFilter } from './export-exception.filter';
import { parseExportRange, TrailExport } from './trail-export';

/** GET /export?from=&to= — the trail of [from, to) as NDJSON, streamed. */
@Controller('export')
@UseGuards(AdminTokenGuard)
@UseFilters(ExportExceptionFilter)
export class ExportController {
  constructor(private readonly trailExport: TrailExport) {}

  @Get()
  async export(@Query('from') from: unknown, @Query('to') to: unknown, @Res() res: Response): Promise<void> {
    const range = parseExportRange(from, to);
    if (!range) throw new ExportException(ExportErrorCode.InvalidRange, 'from and to must be ISO 8601 timestamps with from before to');
    let gone = false;
    res.once('close', () => (gone = true));
    res.status(200);
    res.setHeader('Content-Type', 'application/x-ndjson; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="audit-${range.from}-${range.to}.ndjson"`.replace(/:/g, ''));
    res.setHeader('Cache-Control', 'no-store');
    for await (const { ndjson } of this.trailExport.chunks(range)) {
      if (gone) return;
      // Respect the client's pace: a slow SIEM must not make the service buffer the whole range.
      if (!res.write(ndjson)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
    }
    res.end();
  }
}
