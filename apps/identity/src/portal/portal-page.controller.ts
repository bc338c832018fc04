import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import path from 'node:path';

const publicDir = path.join(__dirname, 'public');

/** The portal page and its two assets; everything else the page needs comes from /api. */
@Controller()
export class PortalPageController {
  @Get()
  page(@Res() res: Response): void {
    res.set('Cache-Control', 'no-cache').sendFile(path.join(publicDir, 'index.html'));
  }

  @Get('portal.js')
  script(@Res() res: Response): void {
    res.set('Cache-Control', 'no-cache').type('application/javascript').sendFile(path.join(publicDir, 'portal.js'));
  }

  @Get('portal.css')
  styles(@Res() res: Response): void {
    res.set('Cache-Control', 'no-cache').type('text/css').sendFile(path.join(publicDir, 'portal.css'));
  }
}
